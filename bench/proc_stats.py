"""/proc readers shared by the bench scripts (soak.py, sse_fanout.py, tls_peers.py, cpu_ab.py). Linux only.

The scripts run from any directory; each puts its own directory on sys.path before
importing this module.
"""
import os


def tree(pid):
    """Returns pid and all its descendants (a server's worker processes), pid first."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [int(pid)]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def rss_kib(pid):
    """Returns the resident set size (VmRSS) of process pid in KiB, or 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
