"""A throwaway ``redis-server`` on a free loopback port, for the store tests and benchmark.

Never a fake Redis: the Lua scripts must run in the real interpreter. The server keeps
nothing on disk (``--save "" --appendonly no``) and listens on 127.0.0.1 only.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

INSTALL_HINT = "redis-server not found; install it (apt-get install redis-server) to run these"


def available() -> bool:
    return shutil.which("redis-server") is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def redis_server(directory: Path, *extra: str) -> Iterator[str]:
    """Start ``redis-server`` in ``directory`` (with ``extra`` options, such as
    ``--replicaof``); yield its URL; stop it on exit."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(directory), "--logfile", "redis.log",
         "--repl-diskless-sync-delay", "0", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_ready(port: int, process: subprocess.Popen[bytes], deadline: float = 10.0) -> None:
    """Poll with a raw PING until the server answers (no client library needed)."""
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(64).startswith(b"+PONG"):
                    return
        except OSError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"redis-server did not answer on port {port} within {deadline} s")


@contextmanager
def redis_sentinel(directory: Path, primary_url: str, service: str = "guard") -> Iterator[str]:
    """One Sentinel (``redis-server --sentinel``) watching the primary of ``primary_url``;
    yields the ``redis+sentinel://`` URL of its ``service``. Sentinel rewrites its config
    file, so it gets one of its own in ``directory``."""
    primary_port = primary_url.rpartition(":")[2].partition("/")[0]
    port = free_port()
    config = directory / "sentinel.conf"
    config.write_text(f"port {port}\nbind 127.0.0.1\ndir {directory}\nlogfile sentinel.log\n"
                      f"sentinel monitor {service} 127.0.0.1 {primary_port} 1\n"
                      f"sentinel down-after-milliseconds {service} 1000\n")
    process = subprocess.Popen(["redis-server", str(config), "--sentinel"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_ready(port, process)
        yield f"redis+sentinel://127.0.0.1:{port}/{service}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
