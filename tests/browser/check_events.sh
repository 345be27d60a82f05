#!/usr/bin/env bash
# Browser check of examples/events: starts `events` on a free loopback port, loads its page
# in headless Chromium and checks that the EventSource received tick events into the DOM
# (the page closes the stream after ?max=N events, so the browser's network goes idle and
# --virtual-time-budget can finish), then that SIGTERM stops the server cleanly although
# it has long-lived streams.
#
#   tests/browser/check_events.sh <build-dir>
#
# Installs Debian's chromium when it is missing; exits 77 (skipped) when it cannot (lib.sh).
NAME=check_events
source "$(dirname "$0")/lib.sh"

build_dir=${1:?usage: $0 <build-dir>}
bin=$build_dir/examples/events/events

[[ -x $bin ]] || fail "$bin not found; build the examples first (NETHTTP_BUILD_EXAMPLES=ON)"
need_chromium

start_server "$bin" --listen 127.0.0.1:0 --threads 1 --interval-ms 100
url=$(printed_url http)
say "serving on $url"

dump_dom "${url}?max=3" "$WORK/page.html"
expect_dom "$WORK/page.html" 'id="events" data-count="3"' "the page did not count 3 events"
expect_dom "$WORK/page.html" 'id="state" data-state="done"' "the page did not finish its 3 events"
ticks=$(grep -o '<li class="tick">#[0-9]* [0-9:]* UTC</li>' "$WORK/page.html" | wc -l)
[[ $ticks -eq 3 ]] || fail "expected 3 tick items in the DOM, found $ticks"

stop_server
say "OK: 3 events reached the DOM through EventSource; clean stop"
