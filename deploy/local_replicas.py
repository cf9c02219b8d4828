"""Two or three `streamlit run` replicas behind HAProxy with sticky sessions, on 127.0.0.1 only.

The local equivalent of deploy/kubernetes.yaml, to try a replica set (and lose a replica) on one machine:

    .venv/bin/python -m deploy.local_replicas --replicas 3 --port 8600 [--redis]
    # open http://127.0.0.1:8600/ ; Ctrl-C stops HAProxy, every replica (and Redis)

HAProxy inserts a cookie naming the replica that served a browser's first request, so the page and its
websocket stay on that replica (the model lives in its memory). It checks every replica's
/_stcore/health each second; when one stops, its browsers are sent to a survivor (`option redispatch`),
where Streamlit's page reconnects by itself and the app rebuilds the model from the address bar
(ui/reconnect.py says so). Every replica signs Streamlit's cookies with one shared secret.

With `--redis` (`ReplicaSet(redis=True)`), a local redis-server on a free port, memory only, is the model store
every replica shares: each gets its address as RNNVIZ_STORE, as the Kubernetes manifest's replicas do.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
COOKIE = "rnnviz_replica"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    with contextlib.suppress(OSError):
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as reply:
            return reply.status == 200
    return False


def haproxy_config(port: int, replicas: dict[str, int]) -> str:
    servers = "\n".join(f"    server {name} 127.0.0.1:{replica} check cookie {name}"
                        for name, replica in replicas.items())
    return f"""global
    maxconn 4000

defaults
    mode http
    option redispatch          # a browser pinned to a replica that is down goes to a survivor
    retries 2
    timeout connect 2s
    timeout client 1h          # a lesson's websocket stays open for the whole class
    timeout server 1h
    timeout tunnel 1h

frontend rnnviz
    bind 127.0.0.1:{port}
    default_backend replicas

backend replicas
    balance leastconn          # websockets are long: count them, not requests
    cookie {COOKIE} insert indirect nocache httponly
    option httpchk GET /_stcore/health
    http-check expect status 200
    default-server inter 1s fall 2 rise 2
{servers}
"""


def redis_answers(port: int) -> bool:
    """True when a Redis on 127.0.0.1:`port` answers PING (the protocol's inline form needs no client library)."""
    with contextlib.suppress(OSError):
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    return False


class RedisServer:
    """One redis-server on 127.0.0.1 and a free port, memory only (the store's records expire by themselves)."""

    def __init__(self, logs: Path, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.logs = logs
        self.process: subprocess.Popen | None = None
        self._log = None

    def start(self, timeout: float = 20.0) -> RedisServer:
        self._log = open(self.logs / "redis.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.logs)], stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not redis_answers(self.port):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"redis-server did not come up in {timeout:.0f} s; log in {self.logs}")
            time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self._log is not None:
            self._log.close()
            self._log = None


class ReplicaSet:
    """`replicas` Streamlit servers and one HAProxy in front (and with `redis`, the Redis they share as their
    model store), started by `start` and stopped by `stop`."""

    def __init__(self, replicas: int = 2, port: int | None = None, env: dict | None = None,
                 logs: Path | None = None, redis: bool = False):
        if not 1 <= replicas <= 9:
            raise ValueError("run 1 to 9 replicas")
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ports = {f"r{index + 1}": free_port() for index in range(replicas)}
        self.logs = Path(logs or tempfile.mkdtemp(prefix="rnnviz-replicas-"))
        self.logs.mkdir(parents=True, exist_ok=True)
        secret = secrets.token_hex(32)
        self.store = RedisServer(self.logs) if redis else None
        store = {"RNNVIZ_STORE": self.store.url} if self.store else {}
        self.env = {**os.environ, **store, "STREAMLIT_SERVER_COOKIE_SECRET": secret,
                    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
                    "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"), **(env or {})}
        self.servers: dict[str, subprocess.Popen] = {}
        self.proxy: subprocess.Popen | None = None
        self._logs_open: list = []

    def replica_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, timeout: float = 90.0) -> ReplicaSet:
        if self.store:  # before the replicas, so none starts without its store
            self.store.start()
        for name, port in self.ports.items():
            log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
            self._logs_open.append(log)
            self.servers[name] = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                 "--server.address", "127.0.0.1", "--server.port", str(port)],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        config = self.logs / "haproxy.cfg"
        config.write_text(haproxy_config(self.port, self.ports))
        check = subprocess.run([HAPROXY, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
        if check.returncode:
            self.stop()
            raise RuntimeError(f"HAProxy refused its configuration: {check.stdout}{check.stderr}")
        proxy_log = open(self.logs / "haproxy.log", "wb")  # noqa: SIM115 - closed in stop()
        self._logs_open.append(proxy_log)
        self.proxy = subprocess.Popen([HAPROXY, "-db", "-f", str(config)], stdout=proxy_log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while not all(healthy(self.replica_url(name)) for name in self.ports) or not healthy(self.url):
            if time.monotonic() > deadline or any(p.poll() is not None for p in [*self.servers.values(), self.proxy]):
                self.stop()
                raise RuntimeError(f"the replicas did not come up in {timeout:.0f} s; logs in {self.logs}")
            time.sleep(0.2)
        return self

    def stop_replica(self, name: str, hard: bool = True) -> None:
        """Stop one replica: killed outright (as a crashed machine would go), or asked to shut down."""
        process = self.servers[name]
        if process.poll() is None:
            process.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
            process.wait(timeout=15)

    def alive(self) -> list[str]:
        return [name for name, process in self.servers.items() if process.poll() is None]

    def stop(self) -> None:
        """Stop HAProxy, every replica and the store (each asked first, then killed if it lingers)."""
        for process in [self.proxy, *self.servers.values()]:
            if process is not None and process.poll() is None:
                process.terminate()
        for process in [self.proxy, *self.servers.values()]:
            if process is None:
                continue
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if self.store:  # last, so replicas shutting down can still write to it
            self.store.stop()
        for log in self._logs_open:
            log.close()

    def __enter__(self) -> ReplicaSet:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="how many Streamlit servers (2 or 3; up to 9)")
    parser.add_argument("--port", type=int, default=8600, help="HAProxy's port on 127.0.0.1")
    parser.add_argument("--redis", action="store_true",
                        help="start a local redis-server, the model store every replica shares (RNNVIZ_STORE)")
    args = parser.parse_args()
    with ReplicaSet(args.replicas, args.port, redis=args.redis) as replica_set:
        print(f"{args.replicas} replicas behind {replica_set.url}/ (logs in {replica_set.logs}); Ctrl-C stops them",
              flush=True)
        for name in replica_set.ports:
            print(f"  {name}: {replica_set.replica_url(name)}", flush=True)
        if replica_set.store:
            print(f"  model store: {replica_set.store.url}", flush=True)
        signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops them as cleanly as Ctrl-C
        with contextlib.suppress(KeyboardInterrupt):
            while replica_set.alive():
                time.sleep(1)


def _interrupt(*_signal) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
