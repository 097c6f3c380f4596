"""Assemble ``guard serve``: the proxy, wrapped in the middleware, with guard's own routes.

``/healthz`` and ``/metrics`` are answered by guard itself and never forwarded.
Every exchange is written to the decision log (``settings.decision_log``) and
counted in the metrics. The policy set is reloaded on SIGHUP, and on every
change of its files with ``reload=True``; a set that does not compile is
logged with all its problems and the old one keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from guard.asgi.middleware import GuardMiddleware
from guard.library import Guard
from guard.observe import DecisionLog, Metrics, Observer, PolicyReloader
from guard.serve.proxy import ProxyOptions, build_proxy

log = logging.getLogger("guard")


def freeze_heap() -> None:
    """Keep what is alive now (modules, the compiled set, Presidio's registries) out of the
    cyclic garbage collector's full passes, as long-running Python servers do.

    Measured under load on ``guard serve``: full collections cost ~48 µs a request (the
    heap holds every module and pattern), ~15 µs once frozen. Objects frozen here are still
    freed by reference counting; a reload unfreezes, collects and freezes again. Only for
    a process guard owns (``guard serve``): the middleware leaves its host's GC alone.
    """
    gc.collect()
    gc.freeze()


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
              reload: bool = False, reload_interval: float = 1.0) -> Any:
    """The whole ``guard serve`` app for a policy path and an upstream URL.

    ``upstream`` is also the default judge endpoint of ``llm`` policies (a set's
    ``settings.llm.endpoint`` wins). Judge calls go straight to it with httpx, never
    through this app, so they are not guarded again (see :mod:`guard.judge.client`).
    """
    def swapped(guard: Guard) -> None:  # a reloaded set may name another decision log
        fresh = _decision_log(guard)
        old, observer.decision_log = observer.decision_log, fresh
        if old is not None:
            old.close()
        if gc.get_freeze_count():  # the old set may now be collected, the new one frozen
            gc.unfreeze()
            freeze_heap()

    build = partial(Guard.from_path, judge_endpoint=upstream)
    reloader = PolicyReloader(policies, build, on_swap=swapped)
    observer = Observer(_decision_log(reloader.current), Metrics())

    async def metrics(request: Request) -> Response:
        assert observer.metrics is not None
        body, content_type = observer.metrics.render()
        return Response(body, media_type=content_type)

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

    proxy = build_proxy(ProxyOptions(upstream), [Route("/metrics", metrics, methods=["GET"])],
                        background)
    return GuardMiddleware(proxy, guard=lambda: reloader.current,
                           stream_holdback=stream_holdback, observer=observer)
