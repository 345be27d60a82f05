#!/usr/bin/env bash
# snippets.sh systemd|kubernetes|tuning NETHTTP_STATIC DEPLOY_MD
#
# Exercises the configuration blocks of docs/deploy.md that do not need a running service
# manager or cluster: systemd-analyze verify for the units, the Kubernetes manifest against
# the built binary, the tuning keys on this machine.
source "$(dirname "$0")/lib.sh"
kind=$1 bin=$2 doc=$3

case $kind in
  systemd)
    need systemd-analyze systemd
    mkdir -p "$WORK/units"
    doc_block "$doc" ini 1 >"$WORK/units/nethttp.socket"
    doc_block "$doc" ini 2 >"$WORK/units/nethttp.service"
    grep -q "^ExecReload=/bin/kill -HUP \$MAINPID" "$WORK/units/nethttp.service" || fail "no ExecReload in the unit"
    # verify wants ExecStart to exist: point it at the built binary, and run its arguments.
    sed -i "s|/usr/local/bin/nethttp-static|$bin|" "$WORK/units/nethttp.service"
    timeout 30 systemd-analyze verify "$WORK/units/nethttp.socket" "$WORK/units/nethttp.service" >"$WORK/verify" 2>&1 ||
      fail "systemd-analyze verify: $(cat "$WORK/verify")"
    [[ ! -s $WORK/verify ]] || fail "systemd-analyze verify complains: $(cat "$WORK/verify")"
    read -r -a args <<<"$(sed -n "s|^ExecStart=$bin ||p" "$WORK/units/nethttp.service")"
    "$bin" "${args[@]}" --help >/dev/null || fail "the unit's ExecStart arguments are rejected: ${args[*]}"
    echo "ok: systemd units verify; ExecStart arguments accepted"
    ;;
  kubernetes)
    need python3 python3
    mkdir -p "$WORK/www"
    echo k8s >"$WORK/www/index.html"
    doc_block "$doc" yaml 1 >"$WORK/deployment.yaml"
    # Prints: grace period, drain delay, liveness path, readiness path, then the args.
    python3 - "$WORK/deployment.yaml" >"$WORK/facts" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert d["kind"] == "Deployment", d["kind"]
spec = d["spec"]["template"]["spec"]
c = spec["containers"][0]
args = c["args"]
delay = int(args[args.index("--drain-delay") + 1])
assert c["ports"][0]["containerPort"] == 8080
assert c["livenessProbe"]["httpGet"]["port"] == 8080 and c["readinessProbe"]["httpGet"]["port"] == 8080
print(spec["terminationGracePeriodSeconds"], delay, c["livenessProbe"]["httpGet"]["path"],
      c["readinessProbe"]["httpGet"]["path"])
print("\n".join(args))
PY
    read -r grace delay live ready <"$WORK/facts"
    # The grace period covers preStop (1 s) + drain delay + the 10 s shutdown deadline.
    ((grace * 1000 >= 1000 + delay + 10000)) || fail "terminationGracePeriodSeconds $grace is too short for drain $delay ms"
    mapfile -t args < <(tail -n +2 "$WORK/facts")
    port=$(free_port)
    for ((i = 0; i < ${#args[@]}; i++)); do
      [[ ${args[i]} == :8080 ]] && args[i]=127.0.0.1:$port
      [[ ${args[i]} == /srv/www ]] && args[i]=$WORK/www
    done
    "$bin" "${args[@]}" --access-log off >"$WORK/out" 2>&1 &
    pid=$!
    PIDS+=($pid)
    wait_status "http://127.0.0.1:$port$ready" 200
    wait_status "http://127.0.0.1:$port$live" 200
    wait_status "http://127.0.0.1:$port/metrics" 200
    # Readiness turns 503 at once on SIGTERM while liveness stays 200 during the drain delay.
    kill -TERM $pid
    wait_status "http://127.0.0.1:$port$ready" 503 40
    wait_status "http://127.0.0.1:$port$live" 200 1
    echo "ok: the manifest's args run; $ready went 503 on SIGTERM while $live stayed 200"
    kill -KILL $pid
    ;;
  tuning)
    block=$(doc_block "$doc" sh 1)
    [[ -n $block ]] || fail "no sh block in $doc"
    while read -r key; do
      sysctl -n "$key" >/dev/null || fail "sysctl key $key does not exist"
      echo "ok: $key = $(sysctl -n "$key")"
    done < <(sed -n 's/^sysctl -w \([a-z0-9_.]*\)=.*/\1/p' <<<"$block")
    limit=$(sed -n 's/^ulimit -n \([0-9]*\).*/\1/p' <<<"$block")
    [[ -n $limit ]] || fail "no ulimit -n line"
    hard=$(ulimit -Hn)
    if [[ $hard == unlimited || $hard -ge $limit ]]; then
      (ulimit -n "$limit") || fail "ulimit -n $limit"
      echo "ok: ulimit -n $limit"
    else
      echo "note: hard limit $hard is below $limit here; not raised"
    fi
    ;;
  *) fail "unknown kind $kind" ;;
esac
