#!/usr/bin/env python3
"""Soak: wrk and hostile clients together against nethttp-static, bounded in time.

    bench/soak.py [--duration 60] [--server build/examples/static_server/nethttp-static] [--check]

Starts the static server (2 loops, access log off) on a loopback port over a temporary root
of many small files and one large one, then runs for --duration seconds, all at once:

  wrk            keep-alive GETs of a small file (the traffic that must keep flowing)
  slowloris      connections that send a header byte per second and never finish
  idle flood     connections that open and send nothing, or one request and then idle
  pipelines      pipelined GETs cycling over more files than the open-file cache holds,
                 on sockets with a small receive buffer, never read (held, then dropped)
  aborts         large downloads read for 64 KiB, then closed (some with a reset)
  garbage        random bytes, a TLS ClientHello and an HTTP/2 preface on the plain port

It samples the server's RSS and descriptors every second and reports requests served,
errors, RSS at start/middle/end, and descriptors before and after. Descriptors are counted
without the open-file cache: regular files beneath the root are what the cache (and
responses in flight) hold, so they are reported apart and left out of the leak check; the
"other" count is sockets, epoll, eventfds and the rest. "After" is taken once every client
has closed and the server's lingering closes (2 s) have run out.

With --check it exits 1 if descriptors other than cached files leaked (after > before), if
the end RSS exceeds --max-rss-mb, or if wrk got no responses. Python 3 stdlib and wrk only.
"""

import argparse
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # bench/proc_stats.py, from any cwd
sys.dont_write_bytecode = True  # no __pycache__ left in the source tree
from proc_stats import rss_kib

ROOT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N_FILES = 400          # more than the open-file cache's 128 entries per loop
BIG_BYTES = 32 << 20   # the download the abort client walks away from


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_root(path):
    os.makedirs(os.path.join(path, "f"))
    for i in range(N_FILES):
        with open(os.path.join(path, "f", f"{i:04d}.txt"), "w") as f:
            f.write(f"file {i}\n" * 8)
    with open(os.path.join(path, "index.html"), "w") as f:
        f.write("<!doctype html><title>soak</title><p>hello</p>\n")
    with open(os.path.join(path, "big.bin"), "wb") as f:
        chunk = os.urandom(1 << 20)
        for _ in range(BIG_BYTES >> 20):
            f.write(chunk)


def count_fds(pid, root):
    """Returns (files beneath root, everything else) open in the process."""
    cached = other = 0
    d = f"/proc/{pid}/fd"
    try:
        names = os.listdir(d)
    except OSError:
        return 0, 0
    for n in names:
        try:
            target = os.readlink(os.path.join(d, n))
        except OSError:
            continue  # closed meanwhile
        if target.startswith(root + "/") or target == root:
            cached += 1
        else:
            other += 1
    return cached, other


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def add(self, key, n=1):
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + n


def connect(port, rcvbuf=None, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def close_quietly(s, reset=False):
    try:
        if reset:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()
    except OSError:
        pass


def slowloris(port, stop, stats, conns=40):
    socks = []
    while not stop.is_set():
        while len(socks) < conns and not stop.is_set():
            try:
                s = connect(port)
                s.send(b"GET /index.html HTTP/1.1\r\nHost: soak\r\n")
                socks.append(s)
                stats.add("slowloris_opened")
            except OSError:
                stats.add("slowloris_connect_errors")
                break
        alive = []
        for s in socks:
            try:
                s.send(b"X-a: b\r\n")
                alive.append(s)
            except OSError:
                stats.add("slowloris_dropped_by_server")
                close_quietly(s)
        socks = alive
        stop.wait(1.0)
    for s in socks:
        close_quietly(s)


def idle_flood(port, stop, stats, conns=400):
    socks = []
    rng = random.Random(1)
    while not stop.is_set():
        while len(socks) < conns and not stop.is_set():
            try:
                s = connect(port)
                if rng.random() < 0.5:
                    s.send(b"GET /index.html HTTP/1.1\r\nHost: soak\r\n\r\n")  # then idle keep-alive
                    stats.add("idle_requests")
                socks.append(s)
                stats.add("idle_opened")
            except OSError:
                stats.add("idle_connect_errors")
                break
        alive = []
        for s in socks:
            try:
                s.setblocking(False)
                data = s.recv(65536)
                if data == b"":
                    stats.add("idle_closed_by_server")
                    close_quietly(s)
                    continue
            except BlockingIOError:
                pass
            except OSError:
                close_quietly(s)
                continue
            alive.append(s)
        socks = alive
        stop.wait(0.5)
    for s in socks:
        close_quietly(s)


def unread_pipelines(port, stop, stats, conns=2, hold=8.0, per_conn=20000):
    rng = random.Random(2)
    while not stop.is_set():
        socks = []
        for _ in range(conns):
            try:
                s = connect(port, rcvbuf=4096)
                s.setblocking(False)
                socks.append(s)
            except OSError:
                stats.add("pipeline_connect_errors")
        start = rng.randrange(N_FILES)
        reqs = b"".join(b"GET /f/%04d.txt HTTP/1.1\r\nHost: soak\r\n\r\n" % ((start + i) % N_FILES)
                        for i in range(per_conn))
        sent = [0] * len(socks)
        until = time.monotonic() + hold
        while time.monotonic() < until and not stop.is_set():
            for i, s in enumerate(socks):
                if sent[i] < len(reqs):
                    try:
                        sent[i] += s.send(reqs[sent[i]:sent[i] + 65536])
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        sent[i] = len(reqs)
            stop.wait(0.2)
        stats.add("pipeline_requests_sent", sum(sent) * per_conn // len(reqs))
        for s in socks:
            close_quietly(s, reset=True)
        stats.add("pipeline_rounds")


def aborted_downloads(port, stop, stats):
    n = 0
    while not stop.is_set():
        try:
            s = connect(port)
            s.send(b"GET /big.bin HTTP/1.1\r\nHost: soak\r\n\r\n")
            got = 0
            while got < 65536:
                d = s.recv(65536)
                if not d:
                    break
                got += len(d)
            close_quietly(s, reset=(n % 2 == 0))
            stats.add("aborts")
        except OSError:
            stats.add("abort_errors")
        n += 1
        stop.wait(0.05)


TLS_CLIENT_HELLO = bytes.fromhex(
    "16030100c4010000c00303" + "00" * 32 + "20" + "11" * 32 + "0008130113021303c02f0100006f"
    "000b000403000102000a000c000a001d0017001e00190018002300000016000000170000000d0030002e"
    "040305030603080708080809080a080b080408050806040105010601030302030301020103020202040205"
    "020602002b0009080304030303020301002d00020101")
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + bytes.fromhex("000012040000000000000300000064000400a00000000200000000")


def garbage(port, stop, stats):
    rng = random.Random(3)
    kinds = ["tls", "h2", "random", "binary-header"]
    n = 0
    while not stop.is_set():
        kind = kinds[n % len(kinds)]
        n += 1
        try:
            s = connect(port, timeout=3.0)
            if kind == "tls":
                s.send(TLS_CLIENT_HELLO)
            elif kind == "h2":
                s.send(H2_PREFACE)
            elif kind == "random":
                s.send(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2048))))
            else:
                s.send(b"GET / HTTP/1.1\r\nHost: soak\r\nX: \x00\x01\xff\r\n\r\n")
            reply = b""
            try:
                while True:
                    d = s.recv(4096)
                    if not d:
                        break
                    reply += d
            except socket.timeout:
                stats.add("garbage_no_close_in_3s")
            m = re.match(rb"HTTP/1\.1 (\d{3})", reply)
            stats.add(f"garbage_{kind}_" + (m.group(1).decode() if m else "no_response"))
            close_quietly(s)
        except OSError:
            stats.add("garbage_errors")
        stop.wait(0.05)


def run_wrk(port, duration, out):
    cmd = ["wrk", "-t1", "-c32", f"-d{duration}s", "--latency", f"http://127.0.0.1:{port}/f/0001.txt"]
    out["text"] = subprocess.run(cmd, capture_output=True, text=True).stdout


def parse_wrk(text):
    r = {"requests": 0, "non2xx": 0, "socket_errors": 0, "rps": 0.0}
    m = re.search(r"(\d+) requests in", text)
    if m:
        r["requests"] = int(m.group(1))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        r["socket_errors"] = sum(int(x) for x in m.groups())
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        r["rps"] = float(m.group(1))
    m = re.search(r"99%\s+(\S+)", text)
    r["p99"] = m.group(1) if m else "?"
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    ap.add_argument("--server", default=os.path.join(ROOT_DIR, "build/examples/static_server/nethttp-static"))
    ap.add_argument("--threads", type=int, default=2, help="server event loops (default 2)")
    ap.add_argument("--check", action="store_true", help="exit 1 on a descriptor leak or unbounded RSS")
    ap.add_argument("--max-rss-mb", type=int, default=128, help="RSS bound for --check (default 128)")
    args = ap.parse_args()
    if not os.access(args.server, os.X_OK):
        sys.exit(f"soak: {args.server} is not built (cmake --build build --target nethttp-static)")
    if shutil.which("wrk") is None:
        sys.exit("soak: wrk is not installed (apt-get install wrk)")

    tmp = tempfile.mkdtemp(prefix="nethttp-soak-")
    root = os.path.join(tmp, "root")
    os.makedirs(root)
    make_root(root)
    root = os.path.realpath(root)
    port = free_port()
    server = subprocess.Popen([args.server, "--listen", f"127.0.0.1:{port}", "--root", root,
                               "--threads", str(args.threads), "--access-log", "off"],
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "server.log"), "w"))
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.3)
        fds_before = count_fds(server.pid, root)
        samples = []  # (t, rss_kib, cached, other)
        stats = Stats()
        stop = threading.Event()
        wrk_out = {}
        threads = [threading.Thread(target=run_wrk, args=(port, args.duration, wrk_out))]
        for fn in (slowloris, idle_flood, unread_pipelines, aborted_downloads, garbage):
            threads.append(threading.Thread(target=fn, args=(port, stop, stats), daemon=True))
        t0 = time.monotonic()
        samples.append((0.0, rss_kib(server.pid)) + count_fds(server.pid, root))
        for t in threads:
            t.start()
        while time.monotonic() - t0 < args.duration:
            time.sleep(1.0)
            if server.poll() is not None:
                break
            samples.append((time.monotonic() - t0, rss_kib(server.pid)) + count_fds(server.pid, root))
        stop.set()
        for t in threads:
            t.join(timeout=15)
        crashed = server.poll() is not None
        # Every client is closed; wait out the lingering closes, then count.
        fds_after = (0, 0)
        settle_deadline = time.monotonic() + 8
        while not crashed and time.monotonic() < settle_deadline:
            time.sleep(0.5)
            fds_after = count_fds(server.pid, root)
            if fds_after[1] <= fds_before[1]:
                break
        rss_end = rss_kib(server.pid)
        served = None
        try:  # a last request proves the server still answers
            with connect(port) as s:
                s.send(b"GET / HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n")
                served = s.recv(64).split(b"\r\n")[0].decode(errors="replace")
        except OSError as e:
            served = f"failed: {e}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)

    w = parse_wrk(wrk_out.get("text", ""))
    mid = samples[len(samples) // 2]
    peak_other = max(s[3] for s in samples)
    peak_cached = max(s[2] for s in samples)
    peak_rss = max(s[1] for s in samples)
    print(f"soak: {args.duration}s, server {os.path.basename(args.server)} --threads {args.threads}")
    print(f"  wrk: {w['requests']} requests ({w['rps']:.0f}/s, p99 {w['p99']}), "
          f"{w['non2xx']} non-2xx, {w['socket_errors']} socket errors")
    for k in sorted(stats.counts):
        print(f"  {k}: {stats.counts[k]}")
    print(f"  RSS MiB: start {samples[0][1] / 1024:.1f}, middle {mid[1] / 1024:.1f}, "
          f"end {rss_end / 1024:.1f}, peak {peak_rss / 1024:.1f}")
    every = max(1, len(samples) // 12)
    print("  RSS MiB over time: " + ", ".join(f"{t:.0f}s {r / 1024:.1f}" for t, r, _, _ in samples[::every]))
    print(f"  descriptors (other = not a file beneath the root): before {fds_before[1]} other + "
          f"{fds_before[0]} files; peak during {peak_other} other, {peak_cached} files; "
          f"after {fds_after[1]} other + {fds_after[0]} files")
    print(f"  final request: {served}; server {'CRASHED' if crashed else 'alive'}")
    if args.check:
        problems = []
        if crashed:
            problems.append("the server died")
        if fds_after[1] > fds_before[1]:
            problems.append(f"descriptor leak: {fds_after[1]} other descriptors after, {fds_before[1]} before")
        if rss_end > args.max_rss_mb * 1024:
            problems.append(f"RSS {rss_end // 1024} MiB over {args.max_rss_mb} MiB")
        if w["requests"] == 0:
            problems.append("wrk got no responses")
        if not (served or "").startswith("HTTP/1.1 200"):
            problems.append(f"final request: {served}")
        if problems:
            print("soak FAILED: " + "; ".join(problems))
            return 1
        print("soak passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
