#!/usr/bin/env bash
# Browser check of examples/events: starts `events` on a free loopback port, loads its page
# in headless Chromium and checks that the EventSource received tick events into the DOM
# (the page closes the stream after ?max=N events, so the browser's network goes idle and
# --virtual-time-budget can finish), then that SIGTERM stops the server cleanly although
# it has long-lived streams.
#
#   tests/browser/check_events.sh <build-dir>
#
# Exits 77 (skipped) when Chromium is not installed; check_site.sh installs it.
set -euo pipefail

build_dir=${1:?usage: $0 <build-dir>}
bin=$build_dir/examples/events/events
SKIP=77

say() { printf 'check_events: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

[[ -x $bin ]] || fail "$bin not found; build the examples first (NETHTTP_BUILD_EXAMPLES=ON)"
chrome=$(command -v chromium || command -v chromium-browser || true)
[[ -n $chrome ]] || { say "SKIP: chromium is not installed"; exit $SKIP; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" --listen 127.0.0.1:0 --threads 1 --interval-ms 100 >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$work/stdout" 2>/dev/null | head -n1 || true)
  [[ -n $url ]] && break
  kill -0 "$server_pid" 2>/dev/null || fail "events exited early: $(cat "$work/stderr")"
  sleep 0.1
done
[[ -n $url ]] || fail "events printed no URL: $(cat "$work/stdout" "$work/stderr")"
say "serving on $url"

timeout 90 "$chrome" --headless --no-sandbox --disable-gpu --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-dev-shm-usage --user-data-dir="$work/profile" \
  --virtual-time-budget=5000 --dump-dom "${url}?max=3" >"$work/page.html" 2>>"$work/chromium.log" \
  || fail "chromium failed: $(tail -n 5 "$work/chromium.log")"

expect_dom() { # pattern description
  grep -Eq -- "$1" "$work/page.html" || { say "DOM:"; head -c 3000 "$work/page.html" >&2; fail "$2"; }
}
expect_dom 'id="events" data-count="3"' "the page did not count 3 events"
expect_dom 'id="state" data-state="done"' "the page did not finish its 3 events"
ticks=$(grep -o '<li class="tick">#[0-9]* [0-9:]* UTC</li>' "$work/page.html" | wc -l)
[[ $ticks -eq 3 ]] || fail "expected 3 tick items in the DOM, found $ticks"

kill -TERM "$server_pid"
wait "$server_pid" || fail "events did not exit cleanly on SIGTERM"
server_pid=""
say "OK: 3 events reached the DOM through EventSource; clean stop"
