"""Run ``guard serve``: one process, or ``--workers N`` processes on one listening socket.

A worker is a whole ``guard serve`` (its own compiled set, event loop, upstream pool,
reloader and metrics). On Linux each worker listens on its own socket of the port
(``SO_REUSEPORT``) and the kernel spreads new connections over them evenly; on one shared
socket, whichever worker woke first accepted a whole burst of keep-alive connections, and two
workers served no more than one (measured: 1,041 against 1,073 requests/s,
``benchmarks/bench_workers.py``). Elsewhere the parent binds one socket and the workers share
it. The parent spawns the workers, forwards SIGHUP (each worker reloads)
and SIGTERM / SIGINT (each drains and stops), and restarts a worker that dies. Budgets and
rate limits are shared only through the policy set's store, so N > 1 refuses ``memory://``
(each worker would count alone: N times the budget). Spawned, not forked: a fork of a
process with threads and an event loop is not safe, and each worker loads its own models.

Metrics are per process: with ``--metrics-port P`` worker ``i`` serves ``/metrics`` on
``P + i``, one Prometheus target each (Prometheus sums them); without it, a scrape of the
proxy port reaches whichever worker the kernel picks, so N > 1 asks for a metrics port.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from typing import Any

from guard.errors import GuardError

log = logging.getLogger("guard")

BALANCED = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")
"""Whether the kernel balances connections over the listening sockets of one port."""
BACKLOG = 2048

RESTART_PAUSE = 1.0
"""Seconds before a worker that died is started again (a crash loop does not spin)."""


@dataclass(frozen=True)
class ServeOptions:
    """Everything ``guard serve`` was told (picklable: it is sent to each worker)."""

    policies: str
    upstream: str
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    metrics_port: int | None = None
    metrics_host: str | None = None
    stream_holdback: int = 0
    reload: bool = False


def refuse_unshared_state(options: ServeOptions, store: str) -> None:
    """N > 1 workers must share state: a ``memory://`` store is per process. ``store`` is
    ``settings.store``; ``GUARD_STORE``, which overrides it, is what counts when set."""
    from guard.engine.compile import STORE_ENV

    effective = os.environ.get(STORE_ENV) or store
    where = STORE_ENV if os.environ.get(STORE_ENV) else "settings.store"
    if options.workers > 1 and effective.startswith("memory://"):
        raise GuardError(f"--workers {options.workers} needs a shared store: {where} is "
                         "memory://, so each worker would count budgets and rate limits on "
                         "its own (N times the limit). Use sqlite:///PATH (one host), "
                         "redis://HOST:PORT/DB (or redis+cluster://, redis+sentinel://), "
                         "or --workers 1")


def run(options: ServeOptions) -> int:
    """Serve until stopped; the exit code of ``guard serve``."""
    if options.workers == 1:
        _serve(options, None, 0)
        return 0
    if options.metrics_port is None:
        log.warning("--workers %d without --metrics-port: each scrape of /metrics reaches "
                    "one worker; give a metrics port to scrape every worker",
                    options.workers)
    return Supervisor(options).run()


def _serve(options: ServeOptions, sock: socket.socket | None, index: int) -> None:
    """One worker: build the app, then serve on ``sock`` (or bind host:port) until stopped."""
    import uvicorn

    from guard.observe.tracing import tracing_from_env
    from guard.serve.app import build_app, freeze_heap, serve_metrics
    from guard.serve.protocol import ReadLimits, protocol_class

    app = build_app(options.policies, options.upstream, stream_holdback=options.stream_holdback,
                    reload=options.reload, metrics=options.metrics_port is None,
                    tracing=tracing_from_env(),  # a reload to memory:// is refused too
                    vet=lambda guard: refuse_unshared_state(options, guard.settings.store))
    settings = app.source().settings
    if options.metrics_port is not None:
        serve_metrics(app, options.metrics_host or options.host, options.metrics_port + index)
    if sock is None:
        announce(options)
    # proxy_headers off: guard reads no client address or scheme, and uvicorn's middleware
    # for X-Forwarded-* would wrap every request (headers are relayed as they came anyway)
    config = uvicorn.Config(app, host=options.host, port=options.port, loop="uvloop",
                            http=protocol_class(ReadLimits.from_settings(settings)),
                            log_level="warning", proxy_headers=False)
    freeze_heap()
    uvicorn.Server(config).run(sockets=[sock] if sock is not None else None)


def reuse_port_socket(host: str, port: int, listen: bool = True) -> socket.socket:
    """A socket of ``host:port`` that other workers' sockets share (``SO_REUSEPORT``);
    bound without listening, it only proves the port is free to this user."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
        if listen:
            sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise GuardError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock


def announce(options: ServeOptions) -> None:
    from guard.urls import shown_url

    workers = f" ({options.workers} workers)" if options.workers > 1 else ""
    log.info("starting on http://%s:%d%s, forwarding to %s", options.host, options.port,
             workers, shown_url(options.upstream))


def _worker(options: ServeOptions, sock: socket.socket | None, index: int) -> None:
    """A spawned worker's entry point: guard's log lines to stderr, then serve (on a socket
    of its own when none is shared)."""
    from guard.cli.commands import _log_to_stderr
    from guard.errors import PolicyError

    _log_to_stderr()
    try:
        _serve(options, sock or reuse_port_socket(options.host, options.port), index)
    except PolicyError as exc:
        for problem in exc.problems:
            log.error("%s", problem)
        raise SystemExit(2) from None
    except GuardError as exc:
        log.error("worker %d: %s", index, exc)
        raise SystemExit(2) from None


class Supervisor:
    """The parent of N workers: binds, spawns, forwards signals, restarts the dead."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[Any] = []
        self.stopping = False

    def run(self) -> int:
        import uvicorn

        if BALANCED:
            reuse_port_socket(self.options.host, self.options.port, listen=False).close()
            sock = None  # the port is free to us: each worker listens on its own socket
        else:
            sock = uvicorn.Config("guard", host=self.options.host,
                                  port=self.options.port).bind_socket()
        announce(self.options)
        names = ("SIGTERM", "SIGINT", "SIGHUP")  # no SIGHUP on Windows
        handlers = {sig: signal.signal(sig, self._on_signal)
                    for sig in (getattr(signal, n) for n in names if hasattr(signal, n))}
        try:
            self.workers = [self._start(sock, i) for i in range(self.options.workers)]
            return self._watch(sock)
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
            self._stop()
            if sock is not None:
                sock.close()

    def _start(self, sock: socket.socket | None, index: int) -> Any:
        process = self.context.Process(target=_worker, args=(self.options, sock, index),
                                       name=f"guard-worker-{index}", daemon=False)
        process.start()
        return process

    def _watch(self, sock: socket.socket | None) -> int:
        while not self.stopping:
            for index, process in enumerate(self.workers):
                process.join(timeout=0.2)
                if process.exitcode is None or self.stopping:
                    continue
                if process.exitcode == 2:  # the set or the store setting is wrong: say it once
                    log.error("worker %d could not start; stopping", index)
                    return 2
                log.warning("worker %d exited (%s); starting it again", index,
                            process.exitcode)
                time.sleep(RESTART_PAUSE)
                self.workers[index] = self._start(sock, index)
        return 0

    def _on_signal(self, signum: int, frame: Any) -> None:
        if signum == getattr(signal, "SIGHUP", None):
            self._send(signum)
            return
        self.stopping = True

    def _send(self, signum: int) -> None:
        for process in self.workers:
            if process.pid is not None and process.exitcode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signum)

    def _stop(self) -> None:
        self._send(signal.SIGTERM)
        for process in self.workers:
            process.join(timeout=30)
            if process.exitcode is None:
                process.kill()
                process.join()
