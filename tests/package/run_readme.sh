#!/usr/bin/env bash
# run_readme.sh WORKDIR CXX PKG_CONFIG PKG_CONFIG_PATH EXTRA_FLAGS README.md
#
# Builds the README's "server in twenty lines" against the installed package (the
# package.install fixture's prefix) and runs it as a user would, from a directory with a
# ./public to serve. For SIGINT and then SIGTERM: while a slow download is in flight, the
# signal must drain the server — the download completes whole and the program exits 0 (not
# 130/143, which is what a signal's default action gives).
set -euo pipefail
workdir=$1 cxx=$2 pkg_config=$3
export PKG_CONFIG_PATH=$4
read -r -a extra <<<"$5"
readme=$6

fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$workdir"
mkdir -p "$workdir/public"
cd "$workdir"

# The first ```cpp block of the README, with its port replaced by a free one (the test must
# not depend on 8080 being free on this machine).
awk '/^```cpp[ \t]*$/ && !done { inside = 1; next } /^```/ && inside { inside = 0; done = 1 } inside' \
  "$readme" >readme_main.cpp
grep -q 'ShutdownOnSignals' readme_main.cpp || fail "the README's first cpp block is not the server sample"
grep -q '":8080"' readme_main.cpp || fail "the README sample no longer listens on \":8080\"; update this test"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -i "s/\":8080\"/\"127.0.0.1:$port\"/" readme_main.cpp
read -r -a flags <<<"$("$pkg_config" --cflags --libs nethttp)"
libdir=$("$pkg_config" --variable=libdir nethttp)
"$cxx" "${extra[@]}" readme_main.cpp -o readme_server "${flags[@]}" "-Wl,-rpath,$libdir"

head -c 400000 /dev/urandom >public/big.bin
want=$(sha256sum <public/big.bin | cut -d' ' -f1)
base=http://127.0.0.1:$port

for sig in INT TERM; do
  ./readme_server >server.log 2>&1 &
  pid=$!
  trap 'kill -KILL $pid 2>/dev/null || true' EXIT
  for _ in $(seq 100); do
    curl -s -o /dev/null "$base/hello/x" && break
    kill -0 $pid 2>/dev/null || fail "the README server exited at startup: $(cat server.log)"
    sleep 0.1
  done
  [[ $(curl -sS --max-time 5 "$base/hello/world") == "hello, world" ]] || fail "GET /hello/world"
  # About two seconds of download at 200 KB/s: the signal lands in the middle of it.
  curl -sS --max-time 20 --limit-rate 200K -o download.bin "$base/static/big.bin" &
  dl=$!
  sleep 0.7
  kill -"$sig" $pid
  rc=0
  wait $pid || rc=$?
  trap - EXIT
  [[ $rc -eq 0 ]] || fail "SIG$sig: exit status $rc, want 0 (log: $(cat server.log))"
  wait $dl || fail "SIG$sig: the in-flight download failed"
  got=$(sha256sum <download.bin | cut -d' ' -f1)
  [[ $got == "$want" ]] || fail "SIG$sig: the in-flight download is incomplete ($(stat -c %s download.bin) bytes)"
  echo "ok: SIG$sig drained an in-flight download and exited 0"
done
