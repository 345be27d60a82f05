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
NAME=check_site
source "$(dirname "$0")/lib.sh"

https=
if [[ ${1:-} == --https ]]; then https=1; shift; fi
build_dir=${1:?usage: $0 [--https] <build-dir> [site-dir]}
root_flag=()
[[ -n ${2:-} ]] && root_flag=(--root "$2")
bin=$build_dir/examples/static_server/nethttp-static

[[ -x $bin ]] || fail "$bin not found; build the examples first (NETHTTP_BUILD_EXAMPLES=ON)"
need_chromium

# ---- Server -----------------------------------------------------------------------------
tls_flags=()
if [[ -n $https ]]; then
  command -v openssl >/dev/null || fail "openssl not installed (apt-get install openssl)"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" \
    >/dev/null 2>&1 || fail "openssl req could not make a certificate"
  tls_flags=(--listen-tls 127.0.0.1:0 --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" --https-redirect)
fi
start_server "$bin" "${root_flag[@]}" --listen 127.0.0.1:0 "${tls_flags[@]}" --access-log "$WORK/access.log"
url=$(printed_url http)
if [[ -n $https ]]; then
  http_url=$url
  url=$(printed_url https)
fi
say "serving on $url"

# ---- Browser ----------------------------------------------------------------------------
chrome_tls=()
[[ -n $https ]] && chrome_tls=(--ignore-certificate-errors)
dump_dom "$url" "$WORK/home.html" "${chrome_tls[@]}"
dump_dom "${url}about/" "$WORK/about.html" "${chrome_tls[@]}"
if [[ -n $https ]]; then
  # The cleartext home page redirects; Chromium follows it and runs the page over HTTPS.
  dump_dom "$http_url" "$WORK/redirected.html" "${chrome_tls[@]}"
fi

expect_dom "$WORK/home.html" 'id="js-status"[^>]*data-ready="yes"' "home: app.js did not mark the page ready"
expect_dom "$WORK/home.html" 'JavaScript is running\.' "home: status text not written by app.js"
expect_dom "$WORK/home.html" 'data-app-ready="yes"' "home: app.js did not finish (fetches failed?)"
expect_dom "$WORK/home.html" 'id="features"[^>]*data-count="6"' "home: feature cards not rendered from features.json"
expect_dom "$WORK/home.html" 'id="health">ok \(200\)<' "home: /healthz not reported ok"
expect_dom "$WORK/about.html" 'id="js-status"[^>]*data-ready="yes"' "about: app.js did not run"
if [[ -n $https ]]; then
  expect_dom "$WORK/redirected.html" 'data-app-ready="yes"' "http:// home page: not served after the redirect to HTTPS"
fi
cards=$(grep -o '<li><h3>' "$WORK/home.html" | wc -l)
[[ $cards -eq 6 ]] || fail "home: expected 6 feature cards, found $cards"

# ---- Access log -------------------------------------------------------------------------
# A graceful stop (SIGTERM) drains the access log's queue to the file.
stop_server
log=$WORK/access.log
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
