"""The server under the class load test, and how the test watches it: one `streamlit run` or replicas behind
HAProxy, their output read as it comes, their memory sampled, their CPU time counted."""

from __future__ import annotations

import contextlib
import os
import threading
import time

from deploy.local_replicas import ReplicaSet

from .browser import running_app


def rss_mb(pids: list[int]) -> float:
    """The resident memory of the server's processes together (one, or every replica)."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
            total += next((int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:")), 0.0)
    return total


def cpu_seconds(pids: list[int] | None = None) -> float:
    """CPU time used so far: by the processes `pids` (user + system), or by the whole machine (all but idle)."""
    ticks = os.sysconf("SC_CLK_TCK")
    if pids is not None:
        total = 0
        for pid in pids:
            with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        return total / ticks
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    return (sum(values) - values[3] - values[4]) / ticks  # all minus idle and iowait


class MemoryWatch(threading.Thread):
    """Samples the server's RSS every `every` seconds; `peak` since the last `reset`."""

    def __init__(self, pids: list[int], every: float = 0.5):
        super().__init__(daemon=True)
        self.pids, self.every = pids, every
        self.samples: list[tuple[float, float]] = []
        self.peak = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self.stopped.wait(self.every):
            value = rss_mb(self.pids)
            self.samples.append((time.monotonic() - started, value))
            self.peak = max(self.peak, value)


class ServerLog(threading.Thread):
    """Reads a server's output, from its pipe (so that it never fills) or as its log file grows, and keeps the
    lines with the time each was read."""

    def __init__(self, stream, name: str = "server", follow: bool = False):
        super().__init__(daemon=True)
        self.stream, self.name, self.follow, self.lines = stream, name, follow, []

    def run(self) -> None:
        while True:
            raw = self.stream.readline()
            if not raw:
                if not self.follow:
                    return
                time.sleep(0.2)
                continue
            self.lines.append((time.monotonic(), raw.decode(errors="replace").rstrip()))


@contextlib.contextmanager
def served(env: dict, replicas: int, out):
    """The app under test: one `streamlit run`, or `replicas` of them behind HAProxy (deploy.local_replicas).
    Yields its address, its processes' ids and a log reader for each."""
    if not replicas:
        with running_app(env) as (url, server, _):
            log = ServerLog(server.stdout)
            log.start()
            yield url, [server.pid], [log]
        return
    with ReplicaSet(replicas, env=env, logs=out / "replicas") as replica_set:
        logs = []
        for name in replica_set.servers:
            log = ServerLog(open(replica_set.logs / f"{name}.log", "rb"), name, follow=True)  # noqa: SIM115
            log.start()
            logs.append(log)
        yield replica_set.url, [process.pid for process in replica_set.servers.values()], logs
