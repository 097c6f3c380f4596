"""Deciding while watching the client: work for a caller that left is cancelled.

A long decision (a large body's PII scan, an LLM judge) would otherwise run to its end
for nobody: a client that sent a hostile body and hung up could keep a worker busy. With
the body read, the next ``receive`` answers only when the client disconnects, so racing
the decision against it costs nothing while the client stays.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from contextlib import suppress
from typing import Any, TypeVar

from guard.asgi.body import Receive, prepended

T = TypeVar("T")

WATCH_BYTES = 16_384
"""Bodies at least this large are decided while watching the client; a small one is
decided in well under a millisecond, less than two tasks would cost (but see
:func:`while_connected`'s callers: a policy set with LLM judges watches every body)."""


async def while_connected(work: Coroutine[Any, Any, T],
                          receive: Receive) -> tuple[T, Receive] | None:
    """``work``'s result and the ``receive`` to use from now on; ``None`` when the client
    disconnected first (``work`` is then cancelled, and waited for)."""
    task = asyncio.ensure_future(work)
    watch = asyncio.ensure_future(receive())
    try:
        await asyncio.wait((task, watch), return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        watch.cancel()
        raise
    if watch.done() and not watch.cancelled() and watch.exception() is None \
            and watch.result().get("type") == "http.disconnect":
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
        return None
    try:
        result = await task
    finally:
        if not watch.done():
            watch.cancel()
            with suppress(asyncio.CancelledError):
                await watch
    if watch.cancelled() or watch.exception() is not None:
        return result, receive
    return result, prepended(watch.result(), receive)
