#!/usr/bin/env bash
# run_upload_example.sh BINARY
#
# Runs examples/upload as a person would: on 127.0.0.1:0 with --dir in a fresh directory,
# fetches the form, uploads two files (one of 24 MiB, one with a path and odd bytes in its
# name) with `curl -F` and compares the stored bytes, checks that a non-multipart POST is
# refused with 400 and a truncated multipart body leaves no file, then stops it with SIGTERM.
set -euo pipefail
bin=$1
work=$(mktemp -d)
dir=$work/uploads
mkdir -p "$dir"

coproc SERVER { exec "$bin" --listen 127.0.0.1:0 --threads 2 --dir "$dir" 2>"$work/log"; }
pid=$SERVER_PID
exec {out}<&"${SERVER[0]}"
trap 'kill -KILL "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; cat "$work/log" >&2 || true; exit 1; }
expect() { [[ $3 == "$2" ]] || fail "$1: want '$2', got '$3'"; echo "ok: $1 = $3"; }

read -r -t 30 -u "$out" line || fail "upload printed no 'listening' line"
echo "$line"
port=${line##*127.0.0.1:}
port=${port%% *}
base=http://127.0.0.1:$port
curl_() { curl -sS --max-time 60 "$@"; }

[[ $(curl_ "$base/") == *'enctype="multipart/form-data"'* ]] || fail "GET / has no upload form"

head -c $((24 << 20)) /dev/urandom >"$work/big.bin"
printf 'small\r\n--not a boundary\r\n' >"$work/small.txt"
answer=$(curl_ -F note=hello -F "file=@$work/big.bin" -F "file=@$work/small.txt;filename=../../etc/pa ss.txt" "$base/upload")
echo "$answer"
expect "first file" "saved big.bin $((24 << 20))" "$(sed -n 1p <<<"$answer")"
expect "second file" "saved pa_ss.txt 25" "$(sed -n 2p <<<"$answer")"
expect "plain field" "field note: hello" "$(sed -n 3p <<<"$answer")"
cmp "$work/big.bin" "$dir/big.bin" || fail "big.bin differs"
cmp "$work/small.txt" "$dir/pa_ss.txt" || fail "pa_ss.txt differs"
grep -Eq "upload: big.bin: [0-9.]+ MiB so far" "$work/log" || fail "no progress line in the log"

expect "POST a plain form" 400 "$(curl_ -o /dev/null -w '%{http_code}' -d a=b "$base/upload")"
expect "POST truncated multipart" 400 "$(curl_ -o /dev/null -w '%{http_code}' \
  -H 'Content-Type: multipart/form-data; boundary=XX' \
  --data-binary $'--XX\r\nContent-Disposition: form-data; name="f"; filename="cut.bin"\r\n\r\nabc' "$base/upload")"
[[ ! -e $dir/cut.bin ]] || fail "a truncated upload left cut.bin behind"

kill -TERM "$pid"
wait "$pid" || fail "upload exited with $?"
echo "ok: stopped"
