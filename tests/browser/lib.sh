# Shared helpers of the browser checks (sourced; set NAME first, for the messages). Every
# wait is bounded, and the server a check starts is killed on exit, with its scratch
# directory removed, so a failing check leaves nothing behind.
set -euo pipefail

SKIP=77  # ctest reports this exit status as skipped (SKIP_RETURN_CODE)

say() { printf '%s: %s\n' "$NAME" "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

# need_chromium sets CHROME to Debian's chromium, installing it when it is missing (needs
# root or passwordless sudo); when it cannot, it says why and exits 77 (skipped).
find_chromium() { command -v chromium || command -v chromium-browser || true; }
need_chromium() {
  CHROME=$(find_chromium)
  [[ -z $CHROME ]] || return 0
  local sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n); else
      say "SKIP: chromium is not installed and there is no root or passwordless sudo to install it"
      exit $SKIP
    fi
  fi
  say "installing Debian's chromium (once)"
  export DEBIAN_FRONTEND=noninteractive
  if ! { "${sudo_cmd[@]}" apt-get update -qq && \
         "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium; } >/dev/null 2>&1; then
    say "SKIP: apt-get install chromium failed (offline, or no such package here)"
    exit $SKIP
  fi
  CHROME=$(find_chromium)
  [[ -n $CHROME ]] || { say "SKIP: chromium installed but not on PATH"; exit $SKIP; }
}

# WORK is the check's scratch directory; SERVER_PID the server start_server started.
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_server BIN ARGS...: starts the server with its output in $WORK/stdout and
# $WORK/stderr. Give it port 0: the kernel picks a free port and the server prints its URL.
start_server() {
  "$@" >"$WORK/stdout" 2>"$WORK/stderr" &
  SERVER_PID=$!
}

# printed_url SCHEME prints the first SCHEME://127.0.0.1:PORT/ URL the server printed,
# waiting for it 10 s at most; fails if the server exits first.
printed_url() {
  local url=""
  for _ in $(seq 1 100); do
    url=$(grep -o "$1://127\.0\.0\.1:[0-9]*/" "$WORK/stdout" 2>/dev/null | head -n1 || true)
    [[ -n $url ]] && { echo "$url"; return 0; }
    kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited early: $(cat "$WORK/stderr")"
    sleep 0.1
  done
  fail "the server printed no $1:// URL: $(cat "$WORK/stdout" "$WORK/stderr")"
}

# stop_server sends SIGTERM and fails unless the server exits 0 (a graceful stop).
stop_server() {
  kill -TERM "$SERVER_PID"
  wait "$SERVER_PID" || fail "the server did not exit cleanly on SIGTERM"
  SERVER_PID=""
}

# dump_dom URL OUT [FLAG...]: loads URL in headless Chromium (extra flags after OUT) and
# writes the DOM to OUT; --virtual-time-budget lets the page's fetch() and EventSource
# traffic finish before the dump.
dump_dom() {
  local url=$1 out=$2
  shift 2
  timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run "$@" \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-dev-shm-usage --user-data-dir="$WORK/profile" \
    --virtual-time-budget=5000 --dump-dom "$url" >"$out" 2>>"$WORK/chromium.log" \
    || fail "chromium failed on $url: $(tail -n 5 "$WORK/chromium.log")"
}

# expect_dom FILE PATTERN DESCRIPTION fails with DESCRIPTION (and the DOM's start) unless
# FILE matches the extended regular expression PATTERN.
expect_dom() {
  grep -Eq -- "$2" "$1" || { say "DOM of $(basename "$1"):"; head -c 3000 "$1" >&2; fail "$3"; }
}
