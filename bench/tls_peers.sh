#!/usr/bin/env bash
# TLS beside nginx: full handshakes per second and 1 KiB / 1 MiB files over TLS keep-alive,
# nethttp-bench-server and nginx with the same certificate, key, protocols and ciphers, in one
# run (localhost only). The approach of the shared peers harness (../shared/peers/run.sh),
# with its own copy of the little it needs (bench/tls_peers.py), since that harness has no
# TLS cell and nothing here may depend on it.
#
#   bench/tls_peers.sh [BUILD_DIR]            nginx and nethttp, results under TLS_PEERS_OUT
#   PEERS=nginx ROUNDS=1 DUR=3 bench/tls_peers.sh
#
# Each server is pinned to core SRV_CPU (0) with one worker; clients run on CLI_CPU (1).
# Cells, each DUR seconds:
#   (hs) `openssl s_time -new -www /plaintext`: a new connection, full handshake (no resumption)
#        and one request per connection, one at a time;
#   (1k) `wrk -t1 -c64 https://…/static/1k.bin` over keep-alive connections;
#   (1m) `wrk -t1 -c16 https://…/static/1m.bin`.
# Each cell records the server's CPU time (utime+stime of its process tree, /proc/PID/stat)
# per handshake or response: the figure to compare, since one client core often limits the
# rate. ROUNDS runs the whole sequence of servers that many times, so drift on a shared box
# spreads over all of them; a cell during which the rest of the box used more than OTHER_MAX
# % of a core is retried (RETRIES times, within WAIT_MAX s of waiting in all).
#
# TOGETHER=1 runs the servers at the same time instead: all start (each pinned to SRV_CPU),
# and in each round every server gets its client at once (bench/cpu_ab.py --mode concurrent),
# so all of them see the same machine. On a VM whose speed drifts (the build machine's does,
# by up to 2x over minutes) the per-round ratios are then steady to a few percent, where
# sequential rounds disagree by more than the differences measured; absolute figures are
# higher (the servers share the core), so compare the ratios.
#
# Knobs: DUR (5), ROUNDS (2), PEERS ("nginx nethttp"), KEY (ec = ECDSA P-256, or rsa = RSA
# 2048), SRV_CPU (0), CLI_CPU (1), BASE_PORT (28443), OTHER_MAX (25), RETRIES (0), WAIT_MAX (20),
# TOGETHER (0).
# On a shared box the "other" load is recorded per cell rather than waited out; set RETRIES and
# WAIT_MAX higher on a machine that is usually quiet.
# Output: TLS_PEERS_OUT (default ~/.cache/nethttp-tls-peers)/results-<date>.md, raw output in
# .run/ beside it. Nothing is written into the repository.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BUILD=${1:-build}
[[ $BUILD == /* ]] || BUILD=$REPO/$BUILD
BIN=$BUILD/bench/server/nethttp-bench-server
TOOLS=$HERE/tls_peers.py
DUR=${DUR:-5}
ROUNDS=${ROUNDS:-2}
PEERS=${PEERS:-"nginx nethttp"}
KEY=${KEY:-ec}
SRV_CPU=${SRV_CPU:-0}
CLI_CPU=${CLI_CPU:-1}
BASE_PORT=${BASE_PORT:-28443}
OTHER_MAX=${OTHER_MAX:-25}
RETRIES=${RETRIES:-0}
WAIT_LEFT=${WAIT_MAX:-20}
CELL_TIMEOUT=$((DUR + 30))   # no client runs unbounded

for tool in nginx wrk openssl curl taskset ss python3; do
  command -v "$tool" >/dev/null || { echo "tls_peers.sh: $tool not installed (apt-get install -y nginx wrk openssl curl)" >&2; exit 1; }
done
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
OUT=${TLS_PEERS_OUT:-${XDG_CACHE_HOME:-$HOME/.cache}/nethttp-tls-peers}
RUN=$OUT/.run
ROOT=$RUN/static
STAMP=$(date +%F-%H%M%S)
rm -rf "$RUN"; mkdir -p "$RUN/raw" "$ROOT"
TSV=$RUN/cells.tsv; : >"$TSV"
TICK=$(getconf CLK_TCK)
log() { echo "[$(date +%T)] $*" >&2; }

# ---- certificate and files ----------------------------------------------------
CERT=$RUN/cert.pem KEYF=$RUN/key.pem
case $KEY in
  ec) keyargs=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
  rsa) keyargs=(-newkey rsa:2048) ;;
  *) echo "tls_peers.sh: KEY is ec or rsa, not $KEY" >&2; exit 2 ;;
esac
openssl req -x509 "${keyargs[@]}" -nodes -keyout "$KEYF" -out "$CERT" -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
head -c 1024 /dev/urandom >"$ROOT/1k.bin"
head -c 1048576 /dev/urandom >"$ROOT/1m.bin"

# What both servers offer, nginx told to match TlsConfig's defaults (src/tls/tls_context.cpp):
# TLS 1.2 and 1.3, ECDHE with AEAD ciphers only on 1.2 (Mozilla's "intermediate" without DHE),
# the server's cipher order, groups X25519, P-256, P-384, OpenSSL's default TLS 1.3 suites. The
# negotiated protocol, cipher and key exchange of each server are recorded and compared below.
CIPHERS12=ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305

# ---- servers --------------------------------------------------------------------
nginx_conf() { # port
  cat <<CONF
worker_processes 1;
worker_rlimit_nofile 30000;
user root;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  open_file_cache max=1000 inactive=60s;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path $RUN/nginx-body;
  proxy_temp_path $RUN/nginx-proxy;
  fastcgi_temp_path $RUN/nginx-fcgi;
  uwsgi_temp_path $RUN/nginx-uwsgi;
  scgi_temp_path $RUN/nginx-scgi;
  types { application/octet-stream bin; }
  default_type text/plain;
  ssl_certificate $CERT;
  ssl_certificate_key $KEYF;
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_ciphers $CIPHERS12;
  ssl_prefer_server_ciphers on;
  ssl_ecdh_curve X25519:prime256v1:secp384r1;
  server {
    listen 127.0.0.1:$1 ssl backlog=4096;
    location = /plaintext { return 200 "Hello, World!"; }
    location /static/ { alias $ROOT/; }
  }
}
CONF
}

SPID=
start_peer() { # name port
  local name=$1 port=$2
  case $name in
    nginx)
      nginx_conf "$port" >"$RUN/nginx.conf"
      taskset -c "$SRV_CPU" nginx -p "$RUN" -e "$RUN/nginx-error.log" -c "$RUN/nginx.conf" -g 'daemon off;' \
        &>"$RUN/$name.log" & ;;
    nethttp)
      taskset -c "$SRV_CPU" "$BIN" --listen "127.0.0.1:$port" --root "$ROOT" --threads 1 \
        --tls-cert "$CERT" --tls-key "$KEYF" &>"$RUN/$name.log" & ;;
    *) log "unknown server $name"; return 1 ;;
  esac
  SPID=$!
  local owners p
  for _ in $(seq 100); do
    kill -0 "$SPID" 2>/dev/null || break
    if curl -sk -o /dev/null "https://127.0.0.1:$port/plaintext"; then
      owners=$(ss -Hltnp "sport = :$port" | grep -o 'pid=[0-9]*' | cut -d= -f2)
      for p in $(python3 "$TOOLS" tree "$SPID"); do grep -qx "$p" <<<"$owners" && return 0; done
      log "$name: port $port answered by another process ($owners)"; stop_peer; return 1
    fi
    sleep 0.1
  done
  log "$name failed to start (see $RUN/$name.log)"; return 1
}
stop_peer() {
  [[ -n $SPID ]] || return 0
  local pids; pids=$(python3 "$TOOLS" tree "$SPID")
  kill -TERM "$SPID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done   # only our own tree
  wait "$SPID" 2>/dev/null || true
  SPID=
}
trap stop_peer EXIT

# negotiated prints "PROTOCOL CIPHER KEY-EXCHANGE" of a default client handshake.
negotiated() {
  timeout 10 openssl s_client -connect "127.0.0.1:$1" -servername localhost </dev/null 2>/dev/null |
    awk '/^New, /{p=$2; c=$NF} /Server Temp Key:/{sub(/.*Key: /,""); k=$0} END{print p, c, k}' | tr -d ','
}
check_peer() { # name port -> prints problems
  local port=$2 body f
  body=$(curl -sk "https://127.0.0.1:$port/plaintext")
  [[ $body == "Hello, World!" ]] || echo "plaintext body='$body'"
  for f in 1k.bin 1m.bin; do
    curl -sk "https://127.0.0.1:$port/static/$f" | cmp -s - "$ROOT/$f" || echo "static/$f mismatch"
  done
  # the handshake cell must not resume: s_time -new offers no session
  curl -sk -D - -o /dev/null "https://127.0.0.1:$port/plaintext" >"$RUN/raw/$1.headers"
}

busy() { local c u n s i w q sq st r; read -r c u n s i w q sq st r </proc/stat; echo $((u + n + s + q + sq + st)); }
wait_quiet() {
  local b0 b1 t=0
  while (( WAIT_LEFT > 0 )); do
    b0=$(busy); sleep 1; b1=$(busy); WAIT_LEFT=$((WAIT_LEFT - 1))
    (( 100 * (b1 - b0) / TICK < OTHER_MAX )) && return 0
    (( t++ == 0 )) && log "box busy ($((100 * (b1 - b0) / TICK))% of a core), waiting (budget ${WAIT_LEFT}s)"
  done
  return 0
}

cell_once() { # peer cell round
  local peer=$1 cell=$2 rnd=$3 out=$RUN/raw/$1.$2.$3 c0 c1 b0 b1 parsed n errs u s r
  c0=$(python3 "$TOOLS" cpu "$SPID"); b0=$(busy)
  TIMEFORMAT='%U %S %R'
  case $cell in
    hs) { time timeout "$CELL_TIMEOUT" taskset -c "$CLI_CPU" openssl s_time -connect "127.0.0.1:$PORT" -new \
            -time "$DUR" -www /plaintext >"$out" 2>&1 || true; } 2>"$out.time"
        parsed=$(python3 "$TOOLS" stime "$out") ;;
    1k) { time timeout "$CELL_TIMEOUT" taskset -c "$CLI_CPU" wrk -t1 -c64 -d"${DUR}s" \
            "https://127.0.0.1:$PORT/static/1k.bin" >"$out" 2>&1 || true; } 2>"$out.time"
        parsed=$(python3 "$TOOLS" wrk "$out") ;;
    1m) { time timeout "$CELL_TIMEOUT" taskset -c "$CLI_CPU" wrk -t1 -c16 -d"${DUR}s" \
            "https://127.0.0.1:$PORT/static/1m.bin" >"$out" 2>&1 || true; } 2>"$out.time"
        parsed=$(python3 "$TOOLS" wrk "$out") ;;
  esac
  b1=$(busy); c1=$(python3 "$TOOLS" cpu "$SPID")
  read -r u s r <"$out.time"
  n=$(cut -f1 <<<"$parsed"); errs=$(cut -f3 <<<"$parsed")
  local ccpu other
  ccpu=$(python3 -c "print(round(100*($u+$s)/$r,1))")
  other=$(python3 -c "print(max(0,round(100*($b1-$b0)/$TICK/$r-$ccpu-100*($c1-$c0)/$TICK/$r,1)))")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$peer" "$cell" "$rnd" "$n" "$r" "$ccpu" "$((c1 - c0))" \
    "$TICK" "$other" "$errs" >>"$TSV"
  log "$peer ($cell#$rnd): $n in ${r}s, server $((c1 - c0)) ticks, client ${ccpu}%, other ${other}%, errors $errs"
}
cell() {
  local try
  for try in $(seq 0 "$RETRIES"); do
    cell_once "$@"
    (( $(tail -1 "$TSV" | cut -f9 | cut -d. -f1) <= OTHER_MAX )) && return 0
    (( try < RETRIES && WAIT_LEFT > 0 )) || return 0
    sed -i '$d' "$TSV"; log "interference, retrying"; wait_quiet
  done
}

# ---- run ------------------------------------------------------------------------
PROBLEMS=
NEGOTIATED=
RUNNABLE=
for peer in $PEERS; do
  if [[ $peer == nethttp ]]; then
    if [[ ! -x $BIN ]]; then PROBLEMS+="- nethttp: $BIN not built"$'\n'; continue; fi
    if ! "$BIN" --help 2>&1 | grep -q -- --tls-cert; then
      PROBLEMS+="- nethttp: $BIN was built without TLS (no --tls-cert)"$'\n'; continue
    fi
  fi
  RUNNABLE+="$peer "
done
PORT=$((BASE_PORT - 1))
port_busy() { ss -Hant "sport = :$1" | grep -q .; }
dv() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo '?'; }
report_head() {
  echo "Host: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), kernel $(uname -r), loadavg at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "Certificate: $KEY ($(openssl x509 -in "$CERT" -noout -text | grep -m1 'Public Key Algorithm' | cut -d: -f2 | xargs)), self-signed."
  echo "Versions: nginx $(dv nginx-core) $(dv nginx), OpenSSL $(openssl version | cut -d' ' -f2), wrk $(dv wrk)."
  echo
  echo "Negotiated with a default \`openssl s_client\`:"
  echo
  echo -n "$NEGOTIATED" | sed 's/^/    /'
  echo
}

if [[ ${TOGETHER:-0} == 1 ]]; then
  declare -A PID_OF=()
  stop_all() { local p; for p in "${PID_OF[@]}"; do SPID=$p; stop_peer; done; }
  trap stop_all EXIT
  SPECS=()
  for peer in $RUNNABLE; do
    PORT=$((PORT + 1)); while port_busy "$PORT"; do PORT=$((PORT + 1)); done
    if ! start_peer "$peer" "$PORT"; then PROBLEMS+="- $peer: did not start"$'\n'; continue; fi
    PID_OF[$peer]=$SPID; SPID=
    log "== $peer (pid ${PID_OF[$peer]}) on :$PORT"
    p=$(check_peer "$peer" "$PORT"); [[ -z $p ]] || PROBLEMS+="- $peer: $(echo $p)"$'\n'
    NEGOTIATED+="$peer: $(negotiated "$PORT")"$'\n'
    timeout "$CELL_TIMEOUT" taskset -c "$CLI_CPU" wrk -t1 -c16 -d1s "https://127.0.0.1:$PORT/static/1k.bin" \
      >/dev/null 2>&1 || true   # warm-up
    SPECS+=("$peer=$PORT:${PID_OF[$peer]}")
  done
  wait_quiet
  : >"$RUN/together.txt"
  for c in hs tls-1k tls-1m; do
    log "cell $c, all servers at once"
    python3 "$HERE/cpu_ab.py" --mode concurrent --rounds "$ROUNDS" --dur "$DUR" --client-cpu "$CLI_CPU" "$c" "${SPECS[@]}" |
      tee -a "$RUN/together.txt" >&2
  done
  RES=$OUT/results-$STAMP.md
  {
    echo "# TLS beside nginx, servers side by side — $STAMP"
    echo
    report_head
    echo "All servers pinned to core $SRV_CPU at once, clients on core $CLI_CPU, ${DUR}s per cell and round, $ROUNDS rounds."
    echo "Server CPU (schedstat) per full handshake + 1 request (hs), per 1 KiB (tls-1k) and 1 MiB (tls-1m) response:"
    echo
    grep -E '^(hs|tls-1k|tls-1m) ' "$RUN/together.txt" | sed 's/^/    /'
    echo
    [[ -n $PROBLEMS ]] && { echo "Problems:"; echo; echo -n "$PROBLEMS"; }
    echo
    echo "Rerun: \`TOGETHER=1 DUR=$DUR ROUNDS=$ROUNDS KEY=$KEY bench/tls_peers.sh\` (raw output in $RUN)."
  } >"$RES"
  cat "$RES"
  log "wrote $RES"
  exit 0
fi

for round in $(seq "$ROUNDS"); do
  for peer in $RUNNABLE; do
    PORT=$((PORT + 1)); while port_busy "$PORT"; do PORT=$((PORT + 1)); done
    wait_quiet
    ok=
    for _ in 1 2 3; do
      if start_peer "$peer" "$PORT"; then ok=1; break; fi
      SPID=; PORT=$((PORT + 1)); while port_busy "$PORT"; do PORT=$((PORT + 1)); done
    done
    if [[ -z $ok ]]; then PROBLEMS+="- $peer: did not start: $(tail -3 "$RUN/$peer.log" | tr '\n' ' ')"$'\n'; continue; fi
    log "== $peer (pid $SPID) on :$PORT"
    if (( round == 1 )); then
      p=$(check_peer "$peer" "$PORT"); [[ -z $p ]] || PROBLEMS+="- $peer: $(echo $p)"$'\n'
      NEGOTIATED+="$peer: $(negotiated "$PORT")"$'\n'
    fi
    timeout "$CELL_TIMEOUT" taskset -c "$CLI_CPU" wrk -t1 -c16 -d1s "https://127.0.0.1:$PORT/static/1k.bin" \
      >/dev/null 2>&1 || true   # warm-up
    for c in hs 1k 1m; do cell "$peer" "$c" "$round"; done
    stop_peer
  done
done
if [[ $(cut -d: -f2- <<<"$NEGOTIATED" | sort -u | grep -c .) -gt 1 ]]; then
  PROBLEMS+="- the servers negotiated different parameters (see above): the figures do not compare like with like"$'\n'
fi

# ---- report -------------------------------------------------------------------
RES=$OUT/results-$STAMP.md
{
  echo "# TLS beside nginx — $STAMP"
  echo
  report_head
  echo "Each server pinned to core $SRV_CPU (one worker); clients on core $CLI_CPU; ${DUR}s per cell, $ROUNDS round(s)."
  echo
  python3 "$TOOLS" table "$TSV"
  echo
  [[ -n $PROBLEMS ]] && { echo "Problems:"; echo; echo -n "$PROBLEMS"; }
  echo
  echo "Rerun: \`DUR=$DUR ROUNDS=$ROUNDS KEY=$KEY bench/tls_peers.sh\` (raw output in $RUN/raw)."
} >"$RES"
cat "$RES"
log "wrote $RES"
