#!/usr/bin/env python3
"""SSE fan-out with clients that never read: do they slow the others, do they cost memory?

    bench/sse_fanout.py [--server build/bench/server/nethttp-bench-server]
                        [--cases 900:0,900:100] [--rounds 3] [--duration 10]
                        [--event-bytes 8192] [--interval-ms 50] [--high-water BYTES]
                        [--rcvbuf 4096] [--fill 25] [--nice N] [--json FILE]
                        [--server-sndbuf BYTES] [--server-rcvbuf BYTES]

Each case READERS:NONREADERS starts a fresh nethttp-bench-server pinned to core 0
(taskset -c 0, one loop) with its SSE feed on (sse_feed.hpp): one event of --event-bytes
every --interval-ms to every subscriber, framed once, data "<seq> <sent_ns> <padding>"
with sent_ns from CLOCK_MONOTONIC; the slow-reader policy is DropEvents and write_timeout
is long (120 s), so the non-readers stay connected through the run. This script pins
itself to core 1 and opens, on 127.0.0.1:

  readers      GET /events, read everything with epoll; each event's latency is the
               monotonic time its data line arrived minus sent_ns (same machine, same clock)
  non-readers  SO_RCVBUF = --rcvbuf set before connect (so the TCP window is small),
               GET /events, then never read

Phases, all bounded in time:
  warm-up  2 s after the connect burst, not recorded
  fill     --fill seconds, the same in every case: the non-readers' kernel buffers fill
           (on loopback the server's send buffer autotunes to ~3 MiB, so at 160 KiB/s
           per client this takes ~20 s), then the server's queue for each reaches
           output_high_water and the producer sees congested() and drops its events.
           /sse-stats must say, by the end, that every non-reader's stream fell behind
           (and that no more did: readers never do). Reader latency is recorded here too.
  measure  --duration seconds with every non-reader held at the bound: reader latency
           (p50/p99/max), events missed by readers (gaps in seq: must be 0), server CPU
           (utime+stime from /proc/PID/stat) and this client's CPU

--server-sndbuf / --server-rcvbuf pass --sndbuf / --rcvbuf to the server
(ServerConfig::send_buffer_bytes / receive_buffer_bytes; 0, the default, passes nothing
and leaves the kernel's autotuning): with --server-sndbuf 65536 a non-reader's kernel send
buffer is capped at 128 KiB (the kernel doubles the value) instead of autotuning to ~3 MiB.

Server RSS (VmRSS from /proc/PID/status) is taken once the clients are connected, sampled
through both phases for the peak, and at the end. Cases run interleaved round by round
(round 1: every case, round 2: every case, ...) so a machine-wide slowdown hits all alike.
Prints one line per run and a summary table (median and range over rounds). Python 3
stdlib only; Linux only (taskset, /proc, epoll).
"""

import argparse
import gc
import json
import os
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # bench/proc_stats.py, from any cwd
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
from proc_stats import rss_kib

REQUEST = b"GET /events HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime


def stats(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/sse-stats", timeout=5) as r:
        return json.loads(r.read())


def pct(sorted_values, q):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * (len(sorted_values) - 1) + 0.5))]


class Reader:
    __slots__ = ("sock", "buf", "head_done", "last_seq", "gaps", "events")

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()
        self.head_done = False
        self.last_seq = None
        self.gaps = 0
        self.events = 0


def connect(port, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # before connect: small window
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(REQUEST)
    s.setblocking(False)
    return s


def run_case(args, readers_n, nonreaders_n, root):
    port = free_port()
    cmd = ["taskset", "-c", "0", args.server, "--listen", f"127.0.0.1:{port}", "--root", root,
           "--threads", "1", "--sse-event-bytes", str(args.event_bytes),
           "--sse-interval-ms", str(args.interval_ms), "--sse-slow-reader", "drop",
           "--write-timeout-ms", "120000"]
    if args.high_water:
        cmd += ["--output-high-water", str(args.high_water)]
    if args.server_sndbuf:
        cmd += ["--sndbuf", str(args.server_sndbuf)]
    if args.server_rcvbuf:
        cmd += ["--rcvbuf", str(args.server_rcvbuf)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    socks = []
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                stats(port)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("server did not come up: " + server.stderr.read().decode(errors="replace"))
                time.sleep(0.05)

        ep = select.epoll()
        readers = {}
        # Interleave the two kinds so neither is all early or all late in the server's list.
        kinds = [False] * readers_n + [True] * nonreaders_n
        if nonreaders_n:
            step = (readers_n + nonreaders_n) / nonreaders_n
            kinds = [False] * (readers_n + nonreaders_n)
            for k in range(nonreaders_n):
                kinds[int(k * step)] = True
        for non in kinds:
            s = connect(port, args.rcvbuf if non else None)
            socks.append(s)
            if not non:
                readers[s.fileno()] = Reader(s)
                ep.register(s.fileno(), select.EPOLLIN)
        deadline = time.monotonic() + 20
        while stats(port)["subscribed"] < readers_n + nonreaders_n:
            if time.monotonic() > deadline:
                raise RuntimeError("not every client subscribed")
            time.sleep(0.05)
        rss_start = rss_kib(server.pid)
        rss_peak = rss_start

        fill_latencies, measured_latencies = [], []
        latencies = fill_latencies
        recording = False
        chunk = bytearray(262144)
        view = memoryview(chunk)

        def pump(until):
            nonlocal rss_peak
            next_rss = time.monotonic() + 0.25
            while True:
                now = time.monotonic()
                if now >= until:
                    return
                if now >= next_rss:
                    rss_peak = max(rss_peak, rss_kib(server.pid))
                    next_rss = now + 0.25
                for fd, _ in ep.poll(min(0.05, until - now), 1024):
                    r = readers[fd]
                    try:
                        n = r.sock.recv_into(chunk)
                    except BlockingIOError:
                        continue
                    if not n:
                        ep.unregister(fd)
                        r.gaps += 1_000_000  # closed: flag it
                        continue
                    t = time.monotonic_ns()
                    buf = r.buf
                    buf += view[:n]
                    pos = 0
                    if not r.head_done:
                        end = buf.find(b"\r\n\r\n")
                        if end < 0:
                            continue
                        r.head_done = True
                        pos = end + 4
                    while True:
                        i = buf.find(b"data: ", pos)
                        if i < 0:
                            break
                        j = buf.find(b"\n", i)
                        if j < 0:
                            pos = i
                            break
                        seq, sent, _ = bytes(buf[i + 6:i + 64]).split(b" ", 2)
                        seq = int(seq)
                        if r.last_seq is not None and seq != r.last_seq + 1 and recording:
                            r.gaps += seq - r.last_seq - 1
                        r.last_seq = seq
                        if recording:
                            r.events += 1
                        latencies.append(t - int(sent))
                        pos = j + 1
                    del buf[:pos]

        pump(time.monotonic() + 2)  # warm-up after the connect burst: not recorded
        fill_latencies.clear()
        fill_start = time.monotonic()
        st = stats(port)
        fell_behind_at = None
        while time.monotonic() < fill_start + args.fill:
            pump(min(fill_start + args.fill, time.monotonic() + 0.5))
            st = stats(port)
            if fell_behind_at is None and nonreaders_n and st["fell_behind"] >= nonreaders_n:
                fell_behind_at = time.monotonic() - fill_start
        fill_s = fell_behind_at if fell_behind_at is not None else float("nan")
        fell_behind_at_fill = st["fell_behind"]
        recording = True
        latencies = measured_latencies
        srv_cpu0, cli0, t0 = cpu_seconds(server.pid), os.times(), time.monotonic()
        dropped0 = st["dropped"]
        pump(t0 + args.duration)
        elapsed = time.monotonic() - t0
        srv_cpu = (cpu_seconds(server.pid) - srv_cpu0) / elapsed
        cli1 = os.times()
        cli_cpu = (cli1.user + cli1.system - cli0.user - cli0.system) / elapsed
        rss_end = rss_kib(server.pid)
        rss_peak = max(rss_peak, rss_end)
        st = stats(port)

        measured_latencies.sort()
        fill_latencies.sort()
        ms = [v / 1e6 for v in (pct(measured_latencies, 0.5), pct(measured_latencies, 0.99), pct(measured_latencies, 1.0))]
        fill_ms = [v / 1e6 for v in (pct(fill_latencies, 0.5), pct(fill_latencies, 0.99))]
        expected = elapsed * 1000 / args.interval_ms
        result = {
            "readers": readers_n, "nonreaders": nonreaders_n, "clients": readers_n + nonreaders_n,
            "p50_ms": ms[0], "p99_ms": ms[1], "max_ms": ms[2], "fill_p50_ms": fill_ms[0], "fill_p99_ms": fill_ms[1],
            "events_per_reader": sum(r.events for r in readers.values()) / max(1, readers_n),
            "events_expected": expected,
            "reader_gaps": sum(r.gaps for r in readers.values()),
            "fill_s": fill_s, "fell_behind_at_fill": fell_behind_at_fill, "fell_behind": st["fell_behind"],
            "behind_now": st["behind_now"], "dropped_in_window": st["dropped"] - dropped0,
            "closed": st["closed"], "max_broadcast_ms": st["max_broadcast_ms"],
            "rss_start_mib": rss_start / 1024, "rss_peak_mib": rss_peak / 1024, "rss_end_mib": rss_end / 1024,
            "server_cpu": srv_cpu, "client_cpu": cli_cpu,
        }
        ep.close()
        return result
    finally:
        for s in socks:
            s.close()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", default="build/bench/server/nethttp-bench-server")
    p.add_argument("--cases", default="900:0,900:100", help="READERS:NONREADERS,... run interleaved")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    p.add_argument("--event-bytes", type=int, default=8192)
    p.add_argument("--interval-ms", type=int, default=50)
    p.add_argument("--high-water", type=int, default=0, help="server output_high_water (0: its default)")
    p.add_argument("--rcvbuf", type=int, default=4096, help="non-readers' SO_RCVBUF")
    p.add_argument("--server-sndbuf", type=int, default=0,
                   help="server's --sndbuf: SO_SNDBUF of its connections (0: kernel autotuning)")
    p.add_argument("--server-rcvbuf", type=int, default=0,
                   help="server's --rcvbuf: SO_RCVBUF of its connections (0: kernel autotuning)")
    p.add_argument("--fill", type=float, default=25.0,
                   help="seconds of the fill phase (long enough for the non-readers to fall behind)")
    p.add_argument("--json", help="write every run's results here")
    p.add_argument("--nice", type=int, default=0,
                   help="niceness for this script and the server (e.g. -10, as root, on a machine busy with builds)")
    args = p.parse_args()
    if not os.access(args.server, os.X_OK):
        sys.exit(f"sse_fanout: no server at {args.server} (build nethttp-bench-server)")
    if not shutil.which("taskset"):
        sys.exit("sse_fanout: taskset (util-linux) is needed")
    cases = [tuple(int(x) for x in c.split(":")) for c in args.cases.split(",")]
    need = max(r + n for r, n in cases) + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        if hard != resource.RLIM_INFINITY and hard < need:
            sys.exit(f"sse_fanout: {need} descriptors needed, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (need, hard))  # the server inherits it
    os.sched_setaffinity(0, {1})
    gc.disable()  # no collector pauses in the readers' latency (nothing here makes cycles)
    if args.nice:
        os.nice(args.nice)  # the server inherits it

    root = tempfile.mkdtemp(prefix="sse_fanout.")
    results = []
    try:
        for rnd in range(1, args.rounds + 1):
            for readers_n, nonreaders_n in cases:
                r = run_case(args, readers_n, nonreaders_n, root)
                r["round"] = rnd
                results.append(r)
                print(f"round {rnd} {r['clients']:>6} clients {r['nonreaders']:>5} non-readers: "
                      f"p50 {r['p50_ms']:.2f} ms p99 {r['p99_ms']:.2f} ms max {r['max_ms']:.2f} ms "
                      f"(fill: p50 {r['fill_p50_ms']:.2f} p99 {r['fill_p99_ms']:.2f}); "
                      f"{r['events_per_reader']:.0f}/{r['events_expected']:.0f} events per reader, gaps {r['reader_gaps']}; "
                      f"behind {r['fell_behind_at_fill']} after {r['fill_s']:.1f} s fill, dropped {r['dropped_in_window']}; "
                      f"RSS {r['rss_start_mib']:.1f}/{r['rss_peak_mib']:.1f}/{r['rss_end_mib']:.1f} MiB (start/peak/end); "
                      f"CPU server {r['server_cpu']*100:.0f}% client {r['client_cpu']*100:.0f}%", flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)

    print(f"\nsummary: median [min-max] over {args.rounds} rounds; events of {args.event_bytes} B every "
          f"{args.interval_ms} ms; non-readers' SO_RCVBUF {args.rcvbuf}; server SO_SNDBUF "
          f"{args.server_sndbuf or 'autotuned'}, SO_RCVBUF {args.server_rcvbuf or 'autotuned'}")
    print("| clients | non-readers | fill p50 ms | fill p99 ms | held p50 ms | held p99 ms | held max ms "
          "| server RSS start / peak MiB | server CPU | streams behind |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for readers_n, nonreaders_n in cases:
        rs = [r for r in results if r["readers"] == readers_n and r["nonreaders"] == nonreaders_n]

        def cell(key, scale=1.0, fmt="{:.2f}"):
            v = [r[key] * scale for r in rs]
            return f"{fmt.format(statistics.median(v))} [{fmt.format(min(v))}-{fmt.format(max(v))}]"

        print(f"| {readers_n + nonreaders_n} | {nonreaders_n} | {cell('fill_p50_ms')} | {cell('fill_p99_ms')} | "
              f"{cell('p50_ms')} | {cell('p99_ms')} | {cell('max_ms')} | "
              f"{cell('rss_start_mib', fmt='{:.1f}')} / {cell('rss_peak_mib', fmt='{:.1f}')} | "
              f"{cell('server_cpu', 100, '{:.0f}%')} | {max(r['fell_behind'] for r in rs)}/{nonreaders_n} |")
    bad = [r for r in results if r["reader_gaps"] or r["fell_behind"] != r["nonreaders"]
           or r["events_per_reader"] < 0.9 * r["events_expected"]]
    if bad:
        print(f"\nWARNING: {len(bad)} run(s) where readers missed events, a non-reader never fell behind "
              "or a reader did")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
