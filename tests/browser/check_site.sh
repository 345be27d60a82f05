#!/usr/bin/env bash
# Browser check of the bundled site: starts nethttp-static on a free loopback port, loads
# the home page and the about page in headless Chromium, and checks that
#   - the page's JavaScript ran (the DOM carries what app.js writes: status, cards, health),
#   - every request the browser made succeeded: the access log has 200s for the CSS, the
#     script, the SVG logo and the JSON, and no 4xx or 5xx at all.
#
#   tests/browser/check_site.sh [--https] <build-dir> [site-dir]
#
# site-dir defaults to the bundled examples/site (nethttp-static's default root).
#
# --https serves the site over TLS as well (a certificate made with `openssl req` for this
# run, which Chromium accepts with --ignore-certificate-errors) with --https-redirect: the
# pages are loaded from the https:// URL, the http:// home page must land on HTTPS through
# the redirect (a 301 in the access log), and the checks below are the same.
#
# Installs Debian's chromium when it is missing (needs root or passwordless sudo); when it
# cannot, it prints why and exits 77, which ctest reports as skipped (SKIP_RETURN_CODE 77).
set -euo pipefail

https=
if [[ ${1:-} == --https ]]; then https=1; shift; fi
build_dir=${1:?usage: $0 [--https] <build-dir> [site-dir]}
root_flag=()
[[ -n ${2:-} ]] && root_flag=(--root "$2")
bin=$build_dir/examples/static_server/nethttp-static
SKIP=77

say() { printf 'check_site: %s\n' "$*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

[[ -x $bin ]] || fail "$bin not found; build the examples first (NETHTTP_BUILD_EXAMPLES=ON)"

# ---- Chromium ---------------------------------------------------------------------------
find_chromium() { command -v chromium || command -v chromium-browser || true; }
chrome=$(find_chromium)
if [[ -z $chrome ]]; then
  sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo_cmd=(sudo -n); else
      say "SKIP: chromium is not installed and there is no root or passwordless sudo to install it"
      exit $SKIP
    fi
  fi
  say "installing Debian's chromium (once)"
  export DEBIAN_FRONTEND=noninteractive
  if ! { "${sudo_cmd[@]}" apt-get update -qq && \
         "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium; } >/dev/null 2>&1; then
    say "SKIP: apt-get install chromium failed (offline, or no such package here)"
    exit $SKIP
  fi
  chrome=$(find_chromium)
  [[ -n $chrome ]] || { say "SKIP: chromium installed but not on PATH"; exit $SKIP; }
fi

# ---- Server -----------------------------------------------------------------------------
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Port 0: the kernel picks a free port and the server prints the URL it got.
tls_flags=()
if [[ -n $https ]]; then
  command -v openssl >/dev/null || fail "openssl not installed (apt-get install openssl)"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$work/key.pem" -out "$work/cert.pem" \
    >/dev/null 2>&1 || fail "openssl req could not make a certificate"
  tls_flags=(--listen-tls 127.0.0.1:0 --tls-cert "$work/cert.pem" --tls-key "$work/key.pem" --https-redirect)
fi
"$bin" "${root_flag[@]}" --listen 127.0.0.1:0 "${tls_flags[@]}" --access-log "$work/access.log" \
  >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$work/stdout" 2>/dev/null | head -n1 || true)
  if [[ -n $https && -n $url ]]; then
    http_url=$url
    url=$(grep -o 'https://127\.0\.0\.1:[0-9]*/' "$work/stdout" 2>/dev/null | head -n1 || true)
  fi
  [[ -n $url ]] && break
  kill -0 "$server_pid" 2>/dev/null || fail "nethttp-static exited early: $(cat "$work/stderr")"
  sleep 0.1
done
[[ -n $url ]] || fail "nethttp-static printed no URL: $(cat "$work/stdout" "$work/stderr")"
say "serving on $url"

# ---- Browser ----------------------------------------------------------------------------
# --virtual-time-budget lets the page's fetch() calls finish before the DOM is dumped.
chrome_tls=()
[[ -n $https ]] && chrome_tls=(--ignore-certificate-errors)
dump_dom() { # url out
  timeout 90 "$chrome" --headless --no-sandbox --disable-gpu --no-first-run "${chrome_tls[@]}" \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-dev-shm-usage --user-data-dir="$work/profile" \
    --virtual-time-budget=5000 --dump-dom "$1" >"$2" 2>>"$work/chromium.log" \
    || fail "chromium failed on $1: $(tail -n 5 "$work/chromium.log")"
}
dump_dom "$url" "$work/home.html"
dump_dom "${url}about/" "$work/about.html"
if [[ -n $https ]]; then
  # The cleartext home page redirects; Chromium follows it and runs the page over HTTPS.
  dump_dom "$http_url" "$work/redirected.html"
fi

expect_dom() { # file pattern description
  grep -Eq -- "$2" "$1" || { say "DOM of $(basename "$1"):"; head -c 3000 "$1" >&2; fail "$3"; }
}
expect_dom "$work/home.html" 'id="js-status"[^>]*data-ready="yes"' "home: app.js did not mark the page ready"
expect_dom "$work/home.html" 'JavaScript is running\.' "home: status text not written by app.js"
expect_dom "$work/home.html" 'data-app-ready="yes"' "home: app.js did not finish (fetches failed?)"
expect_dom "$work/home.html" 'id="features"[^>]*data-count="6"' "home: feature cards not rendered from features.json"
expect_dom "$work/home.html" 'id="health">ok \(200\)<' "home: /healthz not reported ok"
expect_dom "$work/about.html" 'id="js-status"[^>]*data-ready="yes"' "about: app.js did not run"
if [[ -n $https ]]; then
  expect_dom "$work/redirected.html" 'data-app-ready="yes"' "http:// home page: not served after the redirect to HTTPS"
fi
cards=$(grep -o '<li><h3>' "$work/home.html" | wc -l)
[[ $cards -eq 6 ]] || fail "home: expected 6 feature cards, found $cards"

# ---- Access log -------------------------------------------------------------------------
# A graceful stop (SIGTERM) drains the access log's queue to the file.
kill -TERM "$server_pid"
wait "$server_pid" || fail "nethttp-static did not exit cleanly on SIGTERM"
server_pid=""
log=$work/access.log
[[ -s $log ]] || fail "empty access log"

expect_200() { # path
  grep -Eq "\"GET $1 HTTP/1\.1\" 200 " "$log" || { cat "$log" >&2; fail "no 200 for $1 in the access log"; }
}
for path in / /css/style.css /js/app.js /img/logo.svg /data/features.json /healthz /about/; do
  expect_200 "$path"
done
if [[ -n $https ]]; then
  # The one cleartext request, the redirected home page: a 301 to the HTTPS port.
  grep -Eq '"GET / HTTP/1\.1" 301 ' "$log" || { cat "$log" >&2; fail "no 301 for the http:// home page"; }
  [[ $(grep -c '" 301 ' "$log") -eq 1 ]] || { cat "$log" >&2; fail "more than the one expected redirect"; }
fi
if grep -Eq '" (4|5)[0-9]{2} ' "$log"; then
  grep -E '" (4|5)[0-9]{2} ' "$log" >&2
  fail "the browser got error statuses"
fi

say "OK${https:+ over HTTPS}: $(wc -l <"$log") requests, JavaScript ran on both pages, no 4xx/5xx"
say "requests:"
sed -E 's/^.*"(GET|HEAD) ([^ ]*) HTTP\/1\.1" ([0-9]{3}) .*$/  \3 \2/' "$log" >&2
