#!/usr/bin/env bash
# rolling_restart.sh NETHTTP_STATIC DEPLOY_MD
#
# Three nethttp-static instances behind HAProxy, configured with the backend from
# docs/deploy.md (/readyz checks, retries). While wrk loads HAProxy, each instance in turn
# is restarted the way a deploy does it: SIGTERM (with --drain-delay, /readyz answers 503
# at once, HAProxy takes the instance out, then it drains and exits 0), start it again,
# wait until it is ready and back in HAProxy. Zero failed or reset requests, every body
# right.
source "$(dirname "$0")/lib.sh"
bin=$1
doc=$2
need haproxy haproxy
need wrk wrk
need curl curl

mkdir -p "$WORK/site"
printf 'rolling-proof' >"$WORK/site/index.html"
front=$(free_port)
ports=($(free_port) $(free_port) $(free_port))
[[ ${ports[0]} != "${ports[1]}" && ${ports[1]} != "${ports[2]}" && ${ports[0]} != "${ports[2]}" ]] || fail "port clash"

# The HAProxy configuration of docs/deploy.md, on this test's ports.
doc_block "$doc" haproxy 1 >"$WORK/haproxy.cfg"
grep -q "option httpchk GET /readyz" "$WORK/haproxy.cfg" || fail "no haproxy block with /readyz checks in $doc"
sed -i -e "s/127.0.0.1:8080/127.0.0.1:$front/" -e "s/127.0.0.1:8081/127.0.0.1:${ports[0]}/" \
  -e "s/127.0.0.1:8082/127.0.0.1:${ports[1]}/" -e "s/127.0.0.1:8083/127.0.0.1:${ports[2]}/" "$WORK/haproxy.cfg"
haproxy -c -f "$WORK/haproxy.cfg" >/dev/null || fail "haproxy -c rejects the documented config"

declare -A pid_of
start_instance() { # index
  local i=$1 port=${ports[$1]}
  "$bin" --root "$WORK/site" --listen "127.0.0.1:$port" --threads 1 --access-log off --drain-delay 600 \
    >>"$WORK/instance$i.out" 2>&1 &
  pid_of[$i]=$!
  PIDS+=($!)
  wait_status "http://127.0.0.1:$port/readyz" 200
}
for i in 0 1 2; do start_instance $i; done

haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.out" 2>&1 &
PIDS+=($!)
wait_status "http://127.0.0.1:$front/" 200
sleep 1  # every server's first checks pass (rise)

write_wrk_check "rolling-proof"
wrk -t2 -c16 -d12s --timeout 5s -s "$WORK/check.lua" "http://127.0.0.1:$front/" >"$WORK/wrk" 2>&1 &
wrk_pid=$!
PIDS+=($wrk_pid)
sleep 1

for i in 0 1 2; do
  old=${pid_of[$i]}
  kill -TERM "$old"
  rc=0
  wait "$old" || rc=$?
  [[ $rc -eq 0 ]] || fail "instance $i: exit status $rc after SIGTERM ($(cat "$WORK/instance$i.out"))"
  start_instance "$i"
  echo "ok: instance $i restarted: $old -> ${pid_of[$i]}"
  sleep 1.2  # HAProxy sees it ready again (rise 2 at 200 ms) before the next one goes
done
wait $wrk_pid || fail "wrk failed: $(cat "$WORK/wrk")"
wrk_verdict "$WORK/wrk"
for i in 0 1 2; do
  grep -q "draining (drain delay 600 ms" "$WORK/instance$i.out" || fail "instance $i did not log its drain"
done
echo "ok: rolling restart of 3 instances behind HAProxy"
