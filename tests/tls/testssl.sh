#!/usr/bin/env bash
# testssl.sh against nethttp-static on loopback: the TLS configuration a default nethttp
# server offers, rated by testssl.sh (Debian package testssl.sh). Fails on any finding rated
# HIGH or CRITICAL (or a scan that could not run); prints a summary by severity and every
# finding rated LOW or above. Takes a few minutes, so it is a script, not a ctest.
#
#   tests/tls/testssl.sh [BUILD_DIR]        default build/
#   KEY=rsa tests/tls/testssl.sh            an RSA 2048 leaf instead of ECDSA P-256
#   TESTSSL_OUT=/tmp/x tests/tls/testssl.sh keep the report (JSON and text) there
#
# The certificate chain is made for the run: a test CA and a leaf for "localhost" and
# 127.0.0.1 signed by it, valid for a year, naming a CRL and an OCSP responder (never
# contacted: testssl.sh does not phone out unless asked); testssl.sh is told to trust the CA
# (--add-ca), so the certificate is rated as a real CA's would be, and the findings are about
# the server's protocols, ciphers and behaviour.
#
# The checks: protocols, cipher categories, forward secrecy, server defaults and preferences,
# HTTP headers and vulnerabilities (-p -s -f -S -P -h -U). Client simulation and the
# per-cipher enumeration are left out (they take over 15 minutes on a busy 2-core machine);
# TESTSSL_CHECKS="" runs testssl.sh's full default set. TARGET=nginx scans nginx with the same
# certificate instead (for comparison; needs nginx).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=${1:-build}
[[ $BUILD == /* ]] || BUILD=$REPO/$BUILD
BIN=$BUILD/examples/static_server/nethttp-static
KEY=${KEY:-ec}
TARGET=${TARGET:-nethttp}
say() { printf 'testssl: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

TESTSSL=$(command -v testssl || command -v testssl.sh || true)
[[ -n $TESTSSL ]] || fail "testssl.sh is not installed (apt-get install -y testssl.sh)"
command -v openssl >/dev/null || fail "openssl is not installed"
if [[ $TARGET == nethttp ]]; then [[ -x $BIN ]] || fail "$BIN not built (NETHTTP_BUILD_EXAMPLES=ON, NETHTTP_TLS=ON)"; fi

OUT=${TESTSSL_OUT:-$(mktemp -d)}
mkdir -p "$OUT"
server_pid=
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  [[ -n ${TESTSSL_OUT:-} ]] || rm -rf "$OUT"
}
trap cleanup EXIT

# ---- certificates: a CA and a leaf it signs -------------------------------------------------
case $KEY in
  ec) leafkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
  rsa) leafkey=(-newkey rsa:2048) ;;
  *) fail "KEY is ec or rsa, not $KEY" ;;
esac
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 400 -subj "/CN=nethttp test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$OUT/ca.key" -out "$OUT/ca.pem" 2>/dev/null
openssl req -new "${leafkey[@]}" -nodes -subj /CN=localhost -keyout "$OUT/key.pem" -out "$OUT/leaf.csr" 2>/dev/null
printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature$([[ $KEY == rsa ]] && echo ,keyEncipherment)" "extendedKeyUsage=serverAuth" \
  "crlDistributionPoints=URI:http://127.0.0.1:9/ca.crl" "authorityInfoAccess=OCSP;URI:http://127.0.0.1:9/ocsp" \
  >"$OUT/leaf.ext"
openssl x509 -req -in "$OUT/leaf.csr" -CA "$OUT/ca.pem" -CAkey "$OUT/ca.key" -CAcreateserial -days 365 \
  -extfile "$OUT/leaf.ext" -out "$OUT/leaf.pem" 2>/dev/null
cat "$OUT/leaf.pem" "$OUT/ca.pem" >"$OUT/chain.pem"

# ---- server -------------------------------------------------------------------------------------
mkdir -p "$OUT/site"
echo '<!doctype html><title>testssl</title><p>hello' >"$OUT/site/index.html"
port=
if [[ $TARGET == nethttp ]]; then
  "$BIN" --root "$OUT/site" --listen "" --listen-tls 127.0.0.1:0 --tls-cert "$OUT/chain.pem" --tls-key "$OUT/key.pem" \
    --threads 1 --access-log off >"$OUT/server.out" 2>"$OUT/server.err" &
  server_pid=$!
  for _ in $(seq 1 100); do
    port=$(grep -o 'https://127\.0\.0\.1:[0-9]*/' "$OUT/server.out" 2>/dev/null | head -n1 | grep -o '[0-9]*/$' | tr -d / || true)
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || fail "nethttp-static exited: $(cat "$OUT/server.err")"
    sleep 0.1
  done
  version="nethttp-static ($(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?'))"
elif [[ $TARGET == nginx ]]; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$OUT/nginx.conf" <<CONF
worker_processes 1;
pid $OUT/nginx.pid;
error_log $OUT/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $OUT/b; proxy_temp_path $OUT/p; fastcgi_temp_path $OUT/f; uwsgi_temp_path $OUT/u; scgi_temp_path $OUT/s;
  server {
    listen 127.0.0.1:$port ssl;
    ssl_certificate $OUT/chain.pem;
    ssl_certificate_key $OUT/key.pem;
    root $OUT/site;
  }
}
CONF
  nginx -p "$OUT" -e "$OUT/nginx-error.log" -c "$OUT/nginx.conf" -g 'daemon off;' >"$OUT/server.out" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 50); do curl -sk -o /dev/null "https://127.0.0.1:$port/" && break; sleep 0.1; done
  version="$(nginx -v 2>&1 | cut -d' ' -f3) (default TLS settings)"
else
  fail "TARGET is nethttp or nginx, not $TARGET"
fi
[[ -n $port ]] || fail "no TLS port: $(cat "$OUT/server.out" "$OUT/server.err" 2>/dev/null)"
say "scanning $version on 127.0.0.1:$port (${KEY} certificate); this takes a few minutes"

# ---- scan ------------------------------------------------------------------------------------------
rm -f "$OUT/testssl.json"
status=0
read -r -a checks <<<"${TESTSSL_CHECKS--p -s -f -S -P -h -U}"
timeout 1800 "$TESTSSL" "${checks[@]}" --quiet --color 0 --warnings batch --add-ca "$OUT/ca.pem" --ip 127.0.0.1 \
  --connect-timeout 10 --openssl-timeout 10 --jsonfile "$OUT/testssl.json" "localhost:$port" \
  >"$OUT/testssl.txt" 2>&1 || status=$?
[[ -s $OUT/testssl.json ]] || fail "testssl.sh wrote no report (exit $status): $(tail -5 "$OUT/testssl.txt")"
kill -0 "$server_pid" 2>/dev/null || fail "the server died during the scan: $(tail -3 "$OUT/server.err" 2>/dev/null)"

rc=0
python3 - "$OUT/testssl.json" "$version" "$KEY" <<'PY' || rc=$?
import collections, json, sys
path, version, key = sys.argv[1:4]
findings = json.load(open(path))
order = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "WARN", "FATAL", "OK", "INFO"]
count = collections.Counter(f.get("severity", "?") for f in findings)
print(f"testssl.sh against {version}, {key} certificate:")
print("  " + ", ".join(f"{s} {count[s]}" for s in order if count[s]))
for s in ["CRITICAL", "HIGH", "MEDIUM", "LOW", "WARN", "FATAL"]:
    for f in findings:
        if f.get("severity") == s:
            print(f"  {s:8} {f['id']}: {f['finding']}")
bad = count["CRITICAL"] + count["HIGH"] + count["FATAL"]
sys.exit(1 if bad else 0)
PY
(( rc == 0 )) || fail "findings rated HIGH or CRITICAL (or FATAL scan errors), see above"
say "OK: nothing rated HIGH or CRITICAL"
