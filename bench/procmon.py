"""Process-tree memory for the benchmarks: the sum of VmRSS over a process
and its descendants (a JVM started by PySpark included), sampled from
/proc by a background thread, so peers that fork are measured whole."""
import os
import threading
import time


def tree_rss_kb(root):
    """Sum of VmRSS over root and its descendants (from /proc), in kB."""
    kids = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(p))
        except (OSError, IndexError, ValueError):
            pass
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(kids.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


class PeakRss:
    """Samples tree_rss_kb(pid) every `period` seconds until stop(); keeps
    the peak and, for flatness checks, every (seconds since start, kB)."""

    def __init__(self, pid, period=0.1):
        self.pid, self.period = pid, period
        self.peak, self.samples = 0, []
        self._done = threading.Event()
        self._t0 = time.time()
        self._th = threading.Thread(target=self._run, daemon=True)
        self._th.start()

    def _run(self):
        while not self._done.is_set():
            kb = tree_rss_kb(self.pid)
            if kb:
                self.peak = max(self.peak, kb)
                self.samples.append((time.time() - self._t0, kb))
            self._done.wait(self.period)

    def stop(self):
        self._done.set()
        self._th.join()
        return self.peak
