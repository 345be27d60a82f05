#!/usr/bin/env bash
# Whole-server benchmark: nethttp beside peers from ../shared/peers, in one run, pinned the
# way that harness pins (server on core 0, wrk -t1 on core 1), bounded in time.
#
#   bench/run_wrk.sh [BUILD_DIR]          nethttp-bench-server beside nginx and fasthttp
#   PEERS="nginx-ofc gonet" DUR=5 bench/run_wrk.sh build
#
# Results: the harness's results-<date>.md under PEERS_OUT (default ~/.cache/nethttp-peers);
# quote the server-CPU-per-response table and ratios in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
BIN=$PWD/$BUILD/bench/server/nethttp-bench-server
PEERS_DIR=${PEERS_DIR:-$PWD/../shared/peers}
[[ -x $BIN ]] || { echo "run_wrk.sh: $BIN not built (./dev build)" >&2; exit 1; }
[[ -x $PEERS_DIR/run.sh ]] || { echo "run_wrk.sh: peer harness not found at $PEERS_DIR" >&2; exit 1; }
export CANDIDATE_NAME=nethttp
export CANDIDATE_CMD="$BIN --listen 127.0.0.1:{port} --root {root} --threads 1"
export PEERS=${PEERS:-"nginx-ofc fasthttp"}
export DUR=${DUR:-5} REPEAT=${REPEAT:-1}
exec "$PEERS_DIR/run.sh"
