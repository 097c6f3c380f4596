"""Assemble ``guard serve``: the proxy, wrapped in the middleware, with guard's own routes.

guard's own paths (:data:`RESERVED`: ``/healthz``, ``/readyz``, ``/metrics``) are answered
by guard itself on the proxy port and never forwarded, whatever the method, body or upstream:
an upstream's own ``/healthz`` is not reachable through guard (probe the upstream directly).
With ``metrics=False`` (``--metrics-port``) ``/metrics`` is served elsewhere and answers 404
here. A request to any other path, however close its spelling, is LLM traffic: the
middleware decides it before it may be forwarded. Every exchange is written to the decision
log (``settings.decision_log``) and counted in the metrics. The policy set is reloaded on
SIGHUP, and on every change of its files with ``reload=True``; a set that does not compile
is logged with all its problems and the old one keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from guard.asgi.middleware import GuardMiddleware
from guard.errors import GuardError
from guard.library import Guard
from guard.observe import DecisionLog, Metrics, Observer, PolicyReloader
from guard.serve.proxy import ProxyOptions, build_proxy
from guard.serve.ready import Readiness

log = logging.getLogger("guard")


def freeze_heap() -> None:
    """Keep what is alive now (modules, the compiled set, Presidio's registries) out of the
    cyclic garbage collector's full passes, as long-running Python servers do.

    Measured under load on ``guard serve``: full collections cost ~48 µs a request (the
    heap holds every module and pattern), ~15 µs once frozen. Objects frozen here are still
    freed by reference counting; a reload unfreezes, collects and freezes again. Only for
    a process guard owns (``guard serve``): the middleware leaves its host's GC alone.

    The young generation is collected every :data:`YOUNG_COLLECTION` allocations instead of
    Python's 700: a request leaves cyclic garbage (tasks, futures, exceptions) that only
    the collector frees, and at 700 it ran about once a request and promoted live
    requests' objects to the older generations, whose passes then cost as much again.
    Measured with ``gc.callbacks`` under load (issue 22's keyword and e-mail policies,
    four runs of ~5,000 requests): 46-50 µs of collection per request at 700, 28 µs at
    10,000 (no full collection in the window); 20,000 or 50,000 cost more (30-39 µs).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION, *gc.get_threshold()[1:])


YOUNG_COLLECTION = 10_000
"""``guard serve``'s first-generation threshold of the cyclic collector (see
:func:`freeze_heap`)."""


RESERVED = ("/healthz", "/readyz", "/metrics")
"""Answered by guard on the proxy port, never forwarded (nor traced)."""


def warn(guard: Guard) -> None:
    """Log the set's lint warnings (reads that fail on requests lacking a key): it serves
    anyway, as `guard lint` without `--strict` passes it."""
    for problem in guard.compiled.warnings:
        log.warning("policy set: %s", problem)


def _decision_log(guard: Guard) -> DecisionLog:
    """The set's decision log; its hash key read now, so a missing or short key stops
    start-up (or a reload) instead of writing lines whose identities cannot be hashed."""
    decision_log = DecisionLog.from_setting(guard.settings.decision_log)
    if decision_log.enabled and guard.compiled.privacy is not None:
        try:
            guard.compiled.privacy.key()
        except BaseException:
            decision_log.close()
            raise
    return decision_log


def build_app(policies: str | Path, upstream: str, *, stream_holdback: int = 0,
              reload: bool = False, reload_interval: float = 1.0, metrics: bool = True,
              tracing: Any = None, vet: Callable[[Guard], None] | None = None) -> Any:
    """The whole ``guard serve`` app for a policy path and an upstream URL.

    ``metrics``: serve ``/metrics`` here (else 404: :func:`serve_metrics` serves it on a
    port of its own). ``tracing``: a :class:`guard.observe.tracing.Tracing`, or None.
    ``vet``: raises :class:`~guard.errors.GuardError` for a set this process must not serve
    (at start: the error ends ``guard serve``; on reload: the old set keeps serving).

    ``upstream`` is also the default judge endpoint of ``llm`` policies (a set's
    ``settings.llm.endpoint`` wins). Judge calls go straight to it with httpx, never
    through this app, so they are not guarded again (see :mod:`guard.judge.client`).
    """
    def swapped(guard: Guard) -> None:  # a reloaded set may name another decision log
        warn(guard)
        fresh = _decision_log(guard)
        old, observer.decision_log = observer.decision_log, fresh
        if old is not None:
            old.close()
        if gc.get_freeze_count():  # the old set may now be collected, the new one frozen
            gc.unfreeze()
            freeze_heap()

    def build(path: Path) -> Guard:  # ``vet`` refuses a set this process must not serve
        guard = Guard.from_path(path, judge_endpoint=upstream)
        if vet is not None:
            vet(guard)
        return guard

    reloader = PolicyReloader(policies, build, on_swap=swapped)
    warn(reloader.current)
    observer = Observer(_decision_log(reloader.current),
                        Metrics(), tracing)
    readiness = Readiness(lambda: reloader.current, upstream)

    async def metrics_here(request: Request) -> Response:
        assert observer.metrics is not None
        body, content_type = observer.metrics.render()
        return Response(body, media_type=content_type)

    async def ready(request: Request) -> Response:
        ok, report = await readiness.report()
        return JSONResponse(report, status_code=200 if ok else 503)

    @contextlib.asynccontextmanager
    async def background() -> AsyncIterator[None]:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            reloader.install_sighup(loop)  # only from the main thread, on POSIX
        log.info("serving policies from %s: revision %s", policies, reloader.current.revision)
        watcher = asyncio.create_task(reloader.watch(reload_interval)) if reload else None
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                reloader.remove_sighup(loop)
            await reloader.aclose()
            if observer.decision_log is not None:
                observer.decision_log.close()
            if tracing is not None:
                tracing.close()

    routes = [Route("/readyz", ready, methods=["GET"]),
              Route("/metrics", metrics_here if metrics else _not_here, methods=["GET"])]
    proxy = build_proxy(ProxyOptions(upstream), routes, background)
    app = GuardMiddleware(proxy, guard=lambda: reloader.current,
                          stream_holdback=stream_holdback, observer=observer)
    return app if tracing is None else tracing.middleware(app, RESERVED)


def serve_metrics(app: Any, host: str, port: int) -> None:
    """``app``'s ``/metrics`` on ``host:port`` too, from a thread of its own (the standard
    library's HTTP server, as ``prometheus_client`` runs it): a scrape never waits on the
    proxy's event loop, and the proxy port need not be reachable by the scraper.

    A port it cannot listen on is a :class:`GuardError` naming it (``guard serve`` exits
    2; a worker stops the others), not an ``OSError`` traceback: a worker dying on one was
    restarted by the supervisor every second, a traceback each time, as long as the port
    stayed taken (seen when another program's connection held ``P + 1``)."""
    from prometheus_client import start_http_server

    try:
        start_http_server(port, addr=host, registry=app.observer.metrics.registry)
    except OSError as exc:
        raise GuardError(f"cannot listen on {host}:{port} for /metrics: "
                         f"{exc.strerror or exc}") from exc


async def _not_here(request: Request) -> Response:
    return JSONResponse({"error": "metrics are served on the metrics port"}, status_code=404)
