#!/usr/bin/env bash
# check_dev_usage.sh SOURCE_DIR
#
# ./dev's usage paths (none of them installs or builds anything): no step and an unknown
# step print the usage text and exit 2, the unknown one naming itself; help exits 0.
set -uo pipefail
dev=$1/dev
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$dev" 2>&1); rc=$?
[[ $rc -eq 2 ]] || fail "./dev exited $rc, want 2"
[[ $out == "usage: ./dev STEP"* ]] || fail "./dev printed: $out"
[[ $out != *"#!/usr/bin/env"* && $out != *"set -euo"* ]] || fail "./dev printed its own source"

out=$("$dev" bogus 2>&1); rc=$?
[[ $rc -eq 2 ]] || fail "./dev bogus exited $rc, want 2"
[[ $out == "usage: ./dev STEP"* ]] || fail "./dev bogus printed no usage: $out"
[[ $out == *$'\n'"unknown step: bogus" ]] || fail "./dev bogus did not end with 'unknown step: bogus': $out"

out=$("$dev" help 2>/dev/null); rc=$?
[[ $rc -eq 0 ]] || fail "./dev help exited $rc, want 0"
for step in serve test deps build sanitize bench hello; do
  grep -q "^  $step" <<<"$out" || fail "./dev help does not list $step"
done
echo "ok: ./dev usage, unknown step and help"
