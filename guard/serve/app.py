"""Assemble ``guard serve``: the proxy, wrapped in the middleware, with guard's own routes.

``/healthz`` and ``/metrics`` are answered by guard itself and never forwarded.
The policy set can be reloaded while serving (``--reload`` watches its files,
SIGHUP asks for a reload); a set that does not compile leaves the old one in
place.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from guard.asgi.middleware import GuardMiddleware
from guard.library import Guard
from guard.serve.proxy import ProxyOptions, build_proxy


def build_app(policies: str | Path, upstream: str, *, stream_holdback: int = 0) -> Any:
    """The whole ``guard serve`` app for a policy path and an upstream URL."""
    guard = Guard.from_path(policies)
    proxy = build_proxy(ProxyOptions(upstream))
    return GuardMiddleware(proxy, guard=guard, stream_holdback=stream_holdback)
