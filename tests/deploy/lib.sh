# Shared helpers of the deploy tests (sourced). Every wait is bounded; every process a test
# starts is killed on exit, so a failing test leaves nothing behind.
set -euo pipefail

PIDS=()
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nethttp-deploy.XXXXXX")
cleanup() {
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  [[ -n ${KEEP_WORK:-} ]] || rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
say() { echo "--- $*"; }
need() { command -v "$1" >/dev/null || skip "$1 is not installed (Debian package $2; ./dev deps installs it)"; }

# free_port prints a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# wait_status URL WANT [TRIES]: poll URL (every 50 ms) until it answers status WANT.
wait_status() {
  local url=$1 want=$2 tries=${3:-200} got
  for ((i = 0; i < tries; i++)); do
    got=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    [[ $got == "$want" ]] && return 0
    sleep 0.05
  done
  fail "$url: want $want, last got '$got'"
}

# wait_gone PID [TRIES]: wait (every 50 ms) until the process has exited.
wait_gone() {
  local pid=$1 tries=${2:-400}
  for ((i = 0; i < tries; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    # An exited process whose parent has not reaped it yet is gone too.
    [[ $(awk '/^State:/ { print $2 }' /proc/"$pid"/status 2>/dev/null) != Z ]] || return 0
    sleep 0.05
  done
  fail "process $pid did not exit"
}

# doc_block DOC LANG INDEX: prints the INDEX-th (from 1) ```LANG block of DOC.
doc_block() {
  awk -v lang="$2" -v want="$3" '
    $0 ~ "^```" lang "[ \t]*$" { n++; inside = (n == want); next }
    /^```/ { inside = 0; next }
    inside' "$1"
}

# wrk_check: a wrk Lua script that counts responses whose status or body is not the
# expected one (EXPECT_BODY), printed as "bad responses: N" at the end.
write_wrk_check() {
  cat >"$WORK/check.lua" <<LUA
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status ~= 200 or body ~= "$1" then bad = bad + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("bad responses: %d\n", total))
end
LUA
}

# wrk_errors FILE: fails unless the wrk output in FILE shows no socket errors, no non-2xx
# responses and no bad bodies; prints the request count.
wrk_verdict() {
  local out=$1
  cat "$out"
  ! grep -q "Socket errors" "$out" || fail "wrk saw socket errors: $(grep 'Socket errors' "$out")"
  ! grep -q "Non-2xx" "$out" || fail "wrk saw non-2xx responses: $(grep 'Non-2xx' "$out")"
  grep -q "^bad responses: 0$" "$out" || fail "wrong response bodies: $(grep 'bad responses' "$out" || echo 'no count')"
  local n
  n=$(awk '/requests in/ { print $1 }' "$out")
  [[ ${n:-0} -gt 0 ]] || fail "wrk made no requests"
  echo "requests: $n, errors: 0"
}
