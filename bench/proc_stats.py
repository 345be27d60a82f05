"""/proc readers shared by the bench scripts (bench/soak.py, bench/sse_fanout.py). Linux only.

The scripts run from any directory; each puts its own directory on sys.path before
importing this module.
"""


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
