#!/usr/bin/env bash
# hot_upgrade.sh NETHTTP_STATIC [ROUNDS]
#
# Ten SIGUSR2 hot upgrades in a row while wrk loads one nethttp-static instance: each time
# the process starts its binary again on the same listening sockets (LISTEN_FDS), waits for
# it to be ready, then drains and exits. Checks: no wrk socket error (connect, read, write,
# timeout), no non-2xx, every body right, the PID changes every round, the old process exits,
# and the new one holds as many descriptors as the first did (nothing leaks across
# generations). wrk sends "Connection: close", so every request is a fresh connection
# through the accept queues that are handed over.
source "$(dirname "$0")/lib.sh"
bin=$1
rounds=${2:-10}
need wrk wrk
need curl curl

mkdir -p "$WORK/site"
printf 'generation-proof' >"$WORK/site/index.html"
port=$(free_port)
url=http://127.0.0.1:$port

"$bin" --root "$WORK/site" --listen "127.0.0.1:$port" --threads 2 --access-log off \
  --pid-file "$WORK/pid" >"$WORK/out" 2>&1 &
PIDS+=($!)
wait_status "$url/readyz" 200
pid=$(cat "$WORK/pid")

# listen_inodes: the socket inodes listening on our port, system-wide.
hexport=$(printf '%04X' "$port")
listen_inodes() { awk -v p=":$hexport" '$2 ~ p"$" && $4 == "0A" { print $10 }' /proc/net/tcp /proc/net/tcp6 | sort; }
# fd_profile PID: "L listening sockets, P pipes, E eventfd/epoll" — what a leak across
# generations would grow (connections and cached files come and go with the load).
fd_profile() {
  local pid=$1 l=0 p=0 e=0 target inodes
  inodes=" $(listen_inodes | tr '\n' ' ') "
  for fd in /proc/"$pid"/fd/*; do
    target=$(readlink "$fd" 2>/dev/null) || continue
    case $target in
      socket:*) [[ $inodes == *" ${target//[^0-9]/} "* ]] && l=$((l + 1)) ;;
      pipe:*) p=$((p + 1)) ;;
      anon_inode:*) e=$((e + 1)) ;;
    esac
  done
  echo "$l listening sockets, $p pipes, $e eventfd/epoll"
}
profile0=$(fd_profile "$pid")
group0=$(listen_inodes | tr '\n' ' ')
say "first process $pid: $profile0; listening inodes: $group0"

write_wrk_check "generation-proof"
duration=$((rounds + 4))
wrk -t2 -c16 -d"${duration}s" --timeout 5s -H 'Connection: close' -s "$WORK/check.lua" "$url/" >"$WORK/wrk" 2>&1 &
wrk_pid=$!
PIDS+=($wrk_pid)
sleep 1

seen=("$pid")
for ((round = 1; round <= rounds; round++)); do
  old=$pid
  kill -USR2 "$old"
  for _ in $(seq 200); do
    pid=$(cat "$WORK/pid")
    [[ -n $pid && $pid != "$old" ]] && break
    sleep 0.05
  done
  [[ $pid != "$old" ]] || fail "round $round: the pid file still names $old ($(tail -5 "$WORK/out"))"
  PIDS+=($pid)
  wait_gone "$old"
  for s in "${seen[@]}"; do [[ $s != "$pid" ]] || fail "round $round: pid $pid was seen before"; done
  seen+=("$pid")
  wait_status "$url/readyz" 200
  profile=$(fd_profile "$pid")
  # The first process may hold descriptors this script's shell leaked to it; every later
  # generation starts with 0-2 and the sockets only, so they must all look like round 1.
  [[ $round -gt 1 ]] || profile1=$profile
  [[ $profile == "$profile1" ]] || fail "round $round: process $pid holds $profile, round 1's $profile1: $(ls -l /proc/"$pid"/fd)"
  [[ $profile == "2 listening sockets,"* ]] || fail "round $round: $profile"
  group=$(listen_inodes | tr '\n' ' ')
  [[ $group == "$group0" ]] || fail "round $round: listening sockets on :$port are $group, were $group0 (not handed over)"
  echo "ok: round $round: $old -> $pid, $profile, same listening sockets"
  sleep 0.3
done
wait $wrk_pid || fail "wrk failed: $(cat "$WORK/wrk")"
wrk_verdict "$WORK/wrk"
grep -c "SIGUSR2: new process .* is ready; draining" "$WORK/out" | grep -qx "$rounds" || fail "log lines: $(cat "$WORK/out")"
kill -TERM "$pid"
wait_gone "$pid"
echo "ok: $rounds hot upgrades under load, pids ${seen[*]}"
