#!/usr/bin/env python3
"""Helpers for bench/tls_peers.sh (stdlib only; the same approach as the shared peers harness).

  tls_peers.py tree PID            PID and all its descendants
  tls_peers.py cpu PID             utime+stime clock ticks summed over the tree
  tls_peers.py busy                busy jiffies of all CPUs (user nice system irq softirq steal)
  tls_peers.py wrk FILE            wrk output -> "responses rps errors"
  tls_peers.py stime FILE          openssl s_time output -> "connections 0 0" (errors: 0)
  tls_peers.py table TSV           markdown tables from the recorded cells
"""
import os, re, statistics, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # bench/proc_stats.py, from any cwd
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
from proc_stats import tree  # noqa: E402


def cpu(pid):
    t = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            t += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return t


def busy():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


def parse_wrk(path):
    txt = open(path).read()
    m = re.search(r"(\d+) requests in", txt)
    n = int(m.group(1)) if m else 0
    m = re.search(r"Requests/sec:\s+([\d.]+)", txt)
    rps = float(m.group(1)) if m else 0.0
    errs = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", txt)
    if m:
        errs += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", txt)
    if m:
        errs += int(m.group(1))
    return n, rps, errs


def parse_stime(path):
    # "1433 connections in 1.09s; 1314.68 connections/user sec, bytes read 223548"
    m = re.search(r"(\d+) connections in [\d.]+s;", open(path).read())
    return int(m.group(1)) if m else 0


CELLS = [("hs", "full handshake + 1 request per connection (s_time -new)"),
         ("1k", "1 KiB file, keep-alive (wrk)"), ("1m", "1 MiB file, keep-alive (wrk)")]


def table(tsv):
    # peer cell round n wall_s client_cpu_pct server_ticks tick other_pct errors
    cells, order = {}, []
    for line in open(tsv):
        peer, cell, rnd, n, wall, ccpu, sticks, tick, other, errs = line.rstrip("\n").split("\t")
        if peer not in order:
            order.append(peer)
        n, wall, sticks, tick = int(n), float(wall), int(sticks), int(tick)
        us = 1e6 * sticks / tick / n if n else float("nan")
        cells.setdefault((peer, cell), []).append(
            dict(rate=n / wall if wall else 0.0, us=us, ccpu=float(ccpu), scpu=100 * sticks / tick / wall,
                 other=float(other), errs=int(errs)))
    out = ["Per run (rounds in order): rate = handshakes/s or responses/s as the client saw them; "
           "µs = server CPU time per handshake or response (utime+stime of the server's process tree "
           "over the cell ÷ count); [client/server/other % of a core].", "",
           "| server | " + " | ".join(f"({k}) {t}" for k, t in CELLS) + " |", "|---" * (len(CELLS) + 1) + "|"]
    for peer in order:
        row = [peer]
        for k, _ in CELLS:
            v = cells.get((peer, k), [])
            s = " ; ".join(f"{x['rate']:.0f}/s, {x['us']:.1f} µs [{x['ccpu']:.0f}/{x['scpu']:.0f}/{x['other']:.0f}]"
                           for x in v) or "—"
            e = sum(x["errs"] for x in v)
            row.append(s + (f" (**{e} errors**)" if e else ""))
        out.append("| " + " | ".join(row) + " |")

    def med(peer, k, key):
        v = [x[key] for x in cells.get((peer, k), []) if x[key] == x[key]]
        return statistics.median(v) if v else None

    ref = "nginx" if "nginx" in order else None
    out += ["", "Medians over the rounds" + (f", and the ratio to {ref} (server CPU: <1 is less CPU than {ref};"
            " rate: >1 is faster)" if ref else "") + ":", "",
            "| server | " + " | ".join(f"({k}) µs/{'handshake' if k == 'hs' else 'response'} | ({k}) per server-CPU-s"
                                      f" | ({k}) rate/s" for k, _ in CELLS) + " |",
            "|---" * (3 * len(CELLS) + 1) + "|"]
    for peer in order:
        row = [peer]
        for k, _ in CELLS:
            us, rate = med(peer, k, "us"), med(peer, k, "rate")
            rus, rrate = (med(ref, k, "us"), med(ref, k, "rate")) if ref and peer != ref else (None, None)
            row.append("—" if us is None else f"{us:.1f}" + (f" ({us / rus:.2f}×)" if rus else ""))
            row.append("—" if not us else f"{1e6 / us:.0f}" + (f" ({rus / us:.2f}×)" if rus else ""))
            row.append("—" if rate is None else f"{rate:.0f}" + (f" ({rate / rrate:.2f}×)" if rrate else ""))
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "tree":
        print(" ".join(map(str, tree(sys.argv[2]))))
    elif cmd == "cpu":
        print(cpu(sys.argv[2]))
    elif cmd == "busy":
        print(busy())
    elif cmd == "wrk":
        print("\t".join(map(str, parse_wrk(sys.argv[2]))))
    elif cmd == "stime":
        print(f"{parse_stime(sys.argv[2])}\t0\t0")
    elif cmd == "table":
        print(table(sys.argv[2]))
    else:
        sys.exit(__doc__)
