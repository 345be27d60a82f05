#!/usr/bin/env bash
# metrics.sh NETHTTP_STATIC DEPLOY_MD
#
# `promtool check metrics` (Debian package prometheus) on nethttp-static's /metrics after
# some traffic, then a Prometheus server started with the scrape configuration of
# docs/deploy.md scrapes the instance until its target is up.
source "$(dirname "$0")/lib.sh"
bin=$1 doc=$2
need promtool prometheus
need curl curl

mkdir -p "$WORK/site"
echo metrics >"$WORK/site/index.html"
port=$(free_port)
"$bin" --root "$WORK/site" --listen "127.0.0.1:$port" --threads 2 --access-log off --metrics >"$WORK/out" 2>&1 &
PIDS+=($!)
wait_status "http://127.0.0.1:$port/readyz" 200
for p in / /missing /healthz; do curl -s -o /dev/null "http://127.0.0.1:$port$p"; done
curl -sS "http://127.0.0.1:$port/metrics" >"$WORK/metrics"
promtool check metrics <"$WORK/metrics" >"$WORK/lint" 2>&1 || fail "promtool check metrics: $(cat "$WORK/lint")"
[[ ! -s $WORK/lint ]] || fail "promtool check metrics complains: $(cat "$WORK/lint")"
echo "ok: promtool check metrics ($(grep -vc '^#' "$WORK/metrics") samples)"

need prometheus prometheus
doc_block "$doc" yaml 2 >"$WORK/prometheus.yml"
sed -i "s/127.0.0.1:8080/127.0.0.1:$port/" "$WORK/prometheus.yml"
promtool check config "$WORK/prometheus.yml" >/dev/null || fail "promtool check config rejects the documented config"
prom_port=$(free_port)
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$WORK/prometheus.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do
  up=$(curl -s "http://127.0.0.1:$prom_port/api/v1/query?query=up%7Bjob%3D%22nethttp%22%7D" || true)
  [[ $up == *'"value":['*',"1"]'* ]] && break
  sleep 0.1
done
[[ $up == *'"value":['*',"1"]'* ]] || fail "Prometheus never saw the target up: $up"
requests=$(curl -s "http://127.0.0.1:$prom_port/api/v1/query?query=sum(nethttp_requests_total)")
echo "ok: Prometheus scraped the instance (up = 1); nethttp_requests_total: $requests"
