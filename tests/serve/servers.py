"""Real HTTP servers on loopback for tests: uvicorn in a thread, on a free port."""

from __future__ import annotations

import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive ports that are free now and that no outgoing
    connection will take: below the kernel's ephemeral range, which ``connect()`` picks
    its local ports from (a port from :func:`free_port` is in it, and its neighbour
    ``+ 1`` was often a busy suite's client port a second later). For a server that
    binds ``P + i`` itself (``guard serve --workers N --metrics-port P``)."""
    rng = random.Random()
    for _ in range(100):
        first = rng.randrange(10_000, ephemeral_start() - count)
        if all(_bindable(first + i) for i in range(count)):
            return first
    raise RuntimeError(f"no {count} consecutive free ports below the ephemeral range")


def ephemeral_start() -> int:
    """The lowest port the kernel gives an outgoing connection (Linux; else IANA's)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 49152


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@contextmanager
def running(app: Any, fast: bool = False, http: Any = None) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 until the block ends; yields its base URL.

    ``fast`` serves it as ``guard serve`` does (uvloop, httptools), for benchmarks; ``http``
    names uvicorn's protocol (``guard serve``'s own: ``guard.serve.protocol``).
    """
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error",
                            loop="uvloop" if fast else "asyncio",
                            http=http or ("httptools" if fast else "auto"), lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
