#!/usr/bin/env bash
# run_example.sh BINARY json_api|shortener
#
# Runs an example program the way a person would: starts it on 127.0.0.1:0 with two loops,
# reads the port from the line it prints, makes a few requests with curl, then sends SIGTERM
# and checks that it shuts down gracefully and exits 0. The routes themselves are tested in
# depth by tests/integration/{json_api,shortener}_test.cpp; this checks the program around
# them: flags, the printed address, and signal handling.
set -euo pipefail
bin=$1
kind=$2

coproc SERVER { exec "$bin" --listen 127.0.0.1:0 --threads 2; }
pid=$SERVER_PID
# A descriptor of our own: bash closes the coproc's when the program exits, which after
# SIGTERM can happen before we read its last line.
exec {out}<&"${SERVER[0]}"
trap 'kill -KILL "$pid" 2>/dev/null || true' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect NAME WANT GOT
expect() { [[ $3 == "$2" ]] || fail "$1: want '$2', got '$3'"; echo "ok: $1 = $3"; }

read -r -t 30 -u "$out" line || fail "$kind printed no 'listening' line"
echo "$line"
[[ $line == *"listening on 127.0.0.1:"*" with 2 loops" ]] || fail "unexpected first line"
port=${line##*127.0.0.1:}
port=${port%% *}
base=http://127.0.0.1:$port
curl_() { curl -sS --max-time 10 "$@"; }

case $kind in
  json_api)
    status=$(curl_ "$base/api/status")
    [[ $status == *'"status":"ok"'* ]] || fail "status: $status"
    expect "POST /api/items" 201 "$(curl_ -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
      -d '{"name":"pen","quantity":2}' "$base/api/items")"
    expect "GET /api/items/1" '{"id":1,"name":"pen","quantity":2}' "$(curl_ "$base/api/items/1")"
    expect "POST bad JSON" 400 "$(curl_ -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -d '{' "$base/api/items")"
    expect "POST a form" 415 "$(curl_ -o /dev/null -w '%{http_code}' -d name=pen "$base/api/items")"
    ;;
  shortener)
    created=$(curl_ -d url=https://example.org/smoke "$base/shorten")
    code=$(sed -n 's/.*"code":"\([0-9A-Za-z]*\)".*/\1/p' <<<"$created")
    [[ -n $code ]] || fail "shorten: $created"
    expect "GET /$code" "302 https://example.org/smoke" \
      "$(curl_ -o /dev/null -w '%{http_code} %{redirect_url}' "$base/$code")"
    stats=$(curl_ "$base/api/stats/$code")
    [[ $stats == *'"hits":1'* ]] || fail "stats: $stats"
    expect "POST ftp URL" 400 "$(curl_ -o /dev/null -w '%{http_code}' -d url=ftp://example.org/ "$base/shorten")"
    ;;
  *) fail "unknown example $kind" ;;
esac

kill -TERM "$pid"
read -r -t 30 -u "$out" line || fail "no output after SIGTERM"
echo "$line"
[[ $line == "$kind: signal 15 ("*"): draining"* ]] || fail "no 'draining' line after SIGTERM: $line"
read -r -t 30 -u "$out" line || fail "no output after the drain"
echo "$line"
expect "after SIGTERM" "$kind: stopped by signal 15" "$line"
rc=0
wait "$pid" || rc=$?
expect "exit status" 0 "$rc"
trap - EXIT
