#!/usr/bin/env python3
"""Server CPU per operation of two (or more) running servers, side by side.

  bench/cpu_ab.py [--mode concurrent|interleaved] [--rounds N] [--dur S] CELL NAME=PORT:PID ...

Each server must already run, pinned to the server core (taskset -c 0); clients run on
--client-cpu (1). PID is the server's process (its threads and children are counted too).
A cell's figure is the server's CPU time (the schedstat run time of all its threads, in ns)
divided by the operations the client completed: the figure to compare when one client core
limits the rate.

Modes:
  interleaved  servers take turns, one cell each per round (alternating order);
  concurrent   every server gets its client at the same time, so all see the same machine:
               on a VM whose speed drifts (this project's build machine drifts by up to 2x
               over minutes) the per-round ratio is far steadier. The servers share the core,
               so absolute figures are higher than alone; compare the ratio.
Per round it prints each server's µs per operation; at the end the medians and, for two
servers, the median of the per-round cost ratios (first / second: above 1 means the second
is cheaper).

Cells: hs (`openssl s_time -new`: a full TLS handshake and one request per connection),
tls-1k, tls-1m (wrk over TLS keep-alive, 64 and 16 connections), http-plaintext, http-1k
(wrk over cleartext keep-alive, 64 connections). Paths: /plaintext, /static/1k.bin,
/static/1m.bin, as nethttp-bench-server --root DIR and bench/tls_peers.sh's nginx serve them.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # bench/proc_stats.py, from any cwd
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
from proc_stats import tree  # noqa: E402

CELLS = {
    "hs": ("s_time", "https", "/plaintext", 0),
    "tls-1k": ("wrk", "https", "/static/1k.bin", 64),
    "tls-1m": ("wrk", "https", "/static/1m.bin", 16),
    "http-plaintext": ("wrk", "http", "/plaintext", 64),
    "http-1k": ("wrk", "http", "/static/1k.bin", 64),
}


def cpu_ns(pid):
    total = 0
    for p in tree(pid):
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
        except OSError:
            pass
    return total


def client(cell, port, dur, cpu):
    tool, scheme, path, conns = CELLS[cell]
    pin = ["taskset", "-c", str(cpu)]
    if tool == "s_time":
        return pin + ["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-new", "-time", str(dur), "-www", path]
    return pin + ["wrk", "-t1", f"-c{conns}", f"-d{dur}s", f"{scheme}://127.0.0.1:{port}{path}"]


def operations(cell, output):
    pattern = r"(\d+) connections in [\d.]+s" if CELLS[cell][0] == "s_time" else r"(\d+) requests in"
    m = re.search(pattern, output)
    return int(m.group(1)) if m else 0


def measure(cell, servers, dur, cpu):
    """Runs one client per server at once; returns µs of server CPU per operation each."""
    before = [cpu_ns(pid) for _, _, pid in servers]
    procs = [subprocess.Popen(client(cell, port, dur, cpu), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True) for _, port, _ in servers]
    outputs = [p.communicate(timeout=dur + 30)[0] for p in procs]
    after = [cpu_ns(pid) for _, _, pid in servers]
    result = []
    for i, out in enumerate(outputs):
        n = operations(cell, out)
        if n == 0:
            sys.exit(f"cpu_ab: {servers[i][0]} completed no operations:\n{out}")
        result.append((after[i] - before[i]) / 1000 / n)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["concurrent", "interleaved"], default="concurrent")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--dur", type=int, default=3, help="seconds per cell and round")
    ap.add_argument("--client-cpu", type=int, default=1)
    ap.add_argument("cell", choices=sorted(CELLS))
    ap.add_argument("servers", nargs="+", metavar="NAME=PORT:PID")
    args = ap.parse_args()
    servers = []
    for spec in args.servers:
        m = re.fullmatch(r"([^=]+)=(\d+):(\d+)", spec)
        if not m:
            ap.error(f"server '{spec}' is not NAME=PORT:PID")
        servers.append((m.group(1), int(m.group(2)), int(m.group(3))))
    per = {name: [] for name, _, _ in servers}
    ratios = []
    for r in range(args.rounds):
        if args.mode == "concurrent":
            costs = measure(args.cell, servers, args.dur, args.client_cpu)
        else:
            order = servers if r % 2 == 0 else servers[::-1]
            got = {s[0]: measure(args.cell, [s], args.dur, args.client_cpu)[0] for s in order}
            costs = [got[name] for name, _, _ in servers]
        for (name, _, _), c in zip(servers, costs):
            per[name].append(c)
        if len(servers) == 2:
            ratios.append(costs[0] / costs[1])
        print(f"round {r + 1}: " + "  ".join(f"{n} {c:.1f} µs" for (n, _, _), c in zip(servers, costs)), flush=True)
    for name, values in per.items():
        print(f"{args.cell} {name}: median {statistics.median(values):.1f} µs per operation "
              f"[{min(values):.1f}–{max(values):.1f}]")
    if ratios:
        a, b = servers[0][0], servers[1][0]
        print(f"{args.cell} cost {a} / {b}: median {statistics.median(ratios):.3f} "
              f"[{min(ratios):.3f}–{max(ratios):.3f}] over {len(ratios)} rounds")


if __name__ == "__main__":
    main()
