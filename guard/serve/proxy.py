"""The reverse proxy behind ``guard serve``: every path forwarded to one upstream gateway.

The proxy itself knows nothing about policies: it is a plain Starlette app that
streams requests to the upstream and answers back (connection pooling,
timeouts, hop-by-hop headers dropped, upstream errors passed through
unchanged), wrapped in :class:`~guard.asgi.GuardMiddleware` like any gateway.
Only the path and query of a request reach the upstream URL: no request can
make guard contact a host the operator did not configure.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from guard.envelope import api_for_path
from guard.responses import error_body

HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "te", "trailer", "trailers", "transfer-encoding", "upgrade", "host",
                        "content-length", "accept-encoding"})
RESPONSE_OWN = frozenset({"date", "server"})
"""Set by guard's own server; the upstream's copies would be duplicates."""
Background = Callable[[], AbstractAsyncContextManager[None]]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


@dataclass(frozen=True)
class ProxyOptions:
    """Where and how to forward."""

    upstream: str
    connect_timeout: float = 5.0
    read_timeout: float = 300.0  # a long generation may be slow to start
    max_connections: int = 200
    pools: int = 8
    """Upstream connections are spread over this many small pools: one httpx pool scans
    all its connections on every request, which costs more than the guarding itself."""


def build_proxy(options: ProxyOptions, extra_routes: list[Route] | None = None,
                background: Background | None = None) -> Starlette:
    """The forwarding app (``/healthz`` and anything in ``extra_routes`` answered locally).

    ``background`` is entered for the app's lifetime (file watching, signal handlers).
    """
    base = httpx.URL(options.upstream)
    prefix = base.raw_path.rstrip(b"/")
    timeout = httpx.Timeout(options.read_timeout, connect=options.connect_timeout)
    shards = max(1, options.pools)
    per_pool = max(1, options.max_connections // shards)
    limits = httpx.Limits(max_connections=per_pool, max_keepalive_connections=per_pool)
    clients: list[httpx.AsyncClient] = []
    turn = itertools.count()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(shards):
                clients.append(await stack.enter_async_context(
                    httpx.AsyncClient(timeout=timeout, limits=limits)))
            if background is not None:
                await stack.enter_async_context(background())
            try:
                yield
            finally:
                clients.clear()

    async def forward(request: Request) -> Response:
        if not clients:  # a server that skipped the lifespan (some test transports)
            clients.append(httpx.AsyncClient(timeout=timeout, limits=limits))
        client = clients[next(turn) % len(clients)]
        url = base.copy_with(raw_path=prefix + request.scope.get("raw_path", b"/")
                             .split(b"?")[0] + _query(request))
        headers = [(k, v) for k, v in request.headers.raw
                   if k.decode("latin-1").lower() not in HOP_BY_HOP]
        upstream_request = client.build_request(request.method, url, headers=headers,
                                                content=request.stream())
        try:
            answer = await client.send(upstream_request, stream=True)
        except httpx.HTTPError as exc:
            return _unreachable(request, options.upstream, exc)
        response = StreamingResponse(_relay(answer, request), status_code=answer.status_code,
                                     background=BackgroundTask(answer.aclose))
        response.raw_headers = [(k, v) for k, v in answer.headers.raw  # repeats kept
                                if k.decode("latin-1").lower() not in HOP_BY_HOP | RESPONSE_OWN]
        return response

    routes = [Route("/healthz", _healthz, methods=["GET"]), *(extra_routes or []),
              Route("/{path:path}", forward, methods=METHODS)]
    return Starlette(routes=routes, lifespan=lifespan)


async def _relay(answer: httpx.Response, request: Request) -> AsyncIterator[bytes]:
    """The upstream's bytes; a stream it cuts short ends with the API's own error event."""
    try:
        async for chunk in answer.aiter_raw():
            yield chunk
    except httpx.HTTPError as exc:
        if "text/event-stream" not in answer.headers.get("content-type", ""):
            raise
        api = api_for_path(request.url.path) or "unknown"
        body = error_body(api, 502, f"the upstream ended the stream early ({type(exc).__name__})",
                          "upstream_error")
        name = "event: error\n" if api == "anthropic.messages" else ""
        yield f"\n\n{name}data: {json.dumps(body)}\n\n".encode()


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def _query(request: Request) -> bytes:
    query = request.scope.get("query_string", b"")
    return b"?" + query if query else b""


def _unreachable(request: Request, upstream: str, exc: httpx.HTTPError) -> Response:
    api = api_for_path(request.url.path) or "unknown"
    host = httpx.URL(upstream).copy_with(username=None, password=None)
    message = f"upstream {host} unreachable ({type(exc).__name__})"
    return JSONResponse(error_body(api, 502, message, "upstream_unreachable"), status_code=502)
