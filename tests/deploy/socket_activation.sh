#!/usr/bin/env bash
# socket_activation.sh NETHTTP_STATIC
#
# systemd socket activation without systemd running: systemd-socket-activate (Debian
# package systemd) binds a port and starts nethttp-static with it as LISTEN_FDS, exactly as
# a .socket unit does. The server must serve on that socket (it has no --listen of its own
# here), drain on SIGTERM, and refuse a malformed LISTEN_FDS with a clear one-line error.
source "$(dirname "$0")/lib.sh"
bin=$1
need systemd-socket-activate systemd
need curl curl

mkdir -p "$WORK/site"
echo "activated" >"$WORK/site/index.html"
port=$(free_port)

say "systemd-socket-activate on 127.0.0.1:$port"
systemd-socket-activate -l "127.0.0.1:$port" --fdname=web \
  "$bin" --root "$WORK/site" --threads 2 --access-log off --listen 127.0.0.1:1 >"$WORK/out" 2>&1 &
pid=$!
PIDS+=($pid)
# The first connection makes systemd-socket-activate exec the server; it waits in the queue.
# systemd-socket-activate binds the port only once it runs: until then the connection is
# refused, so retry that (and only that) for a few seconds.
body=$(curl -sS --max-time 10 --retry 10 --retry-connrefused --retry-delay 1 "http://127.0.0.1:$port/")
[[ $body == "activated" ]] || fail "GET /: '$body' ($(cat "$WORK/out"))"
for _ in 1 2 3; do [[ $(curl -sS --max-time 5 "http://127.0.0.1:$port/") == "activated" ]] || fail "repeat GET"; done
wait_status "http://127.0.0.1:$port/readyz" 200
grep -q "listening on inherited sockets (port $port)" "$WORK/out" || fail "startup line: $(cat "$WORK/out")"
kill -TERM $pid
rc=0
wait $pid || rc=$?
[[ $rc -eq 0 ]] || fail "exit status after SIGTERM: $rc ($(cat "$WORK/out"))"
echo "ok: served on the inherited socket, exit 0 after SIGTERM"

# expect_error ENV_FDS WANT: the server must exit 1 and say WANT on stderr.
expect_error() {
  local fds=$1 want=$2 rc=0
  env LISTEN_FDS="$fds" sh -c 'LISTEN_PID=$$ exec "$@" 3</dev/null' sh \
    "$bin" --root "$WORK/site" --access-log off --listen 127.0.0.1:0 >"$WORK/bad.out" 2>"$WORK/bad.err" || rc=$?
  [[ $rc -eq 1 ]] || fail "LISTEN_FDS=$fds: exit status $rc, want 1"
  grep -qF "$want" "$WORK/bad.err" || fail "LISTEN_FDS=$fds: stderr '$(cat "$WORK/bad.err")', want '$want'"
  echo "ok: LISTEN_FDS=$fds -> $(cat "$WORK/bad.err")"
}
expect_error abc "nethttp-static: inherited sockets: LISTEN_FDS=abc: not a number of descriptors"
expect_error 1 "nethttp-static: inherited sockets: LISTEN_FDS=1: descriptor 3 is not a listening socket"
expect_error 2 "LISTEN_FDS=2: descriptor 3 is not a listening socket"
