"""Reading a request body once, within a size limit and a time limit.

A body is read into memory (policies need all of it) but never more than
``limit`` bytes, and a client that has not sent all of it within ``timeout``
seconds is cut off, so neither a huge nor a slowloris body can hold memory or
a worker. The body is then replayed to the wrapped app as one message.

A body guard does not read (``passthrough``, paths that are not LLM traffic) streams to the
app as it comes, under the same time limit (:class:`Deadline`): a client that trickles it
gets 408 rather than holding a worker and an upstream connection open.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from guard.errors import GuardError

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Refusal = Callable[[Send], Awaitable[None]]


class BodyError(GuardError):
    """The body could not be read: too large (413), too slow (408), or the client left."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def read_body(receive: Receive, limit: int, timeout: float,
                    declared: int | None) -> bytes:
    """The whole body; :class:`BodyError` when it breaks a limit or the client goes away."""
    if declared is not None and declared > limit:
        raise BodyError(413, f"request body is {declared} bytes; the limit is {limit}")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(timeout):  # the whole body, however it is cut up
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise BodyError(499, "client disconnected")
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > limit:
                    raise BodyError(413, f"request body is over the limit of {limit} bytes")
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
    except TimeoutError as exc:
        raise BodyError(408, f"request body not received within {timeout:g} s") from exc


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that yields ``body`` once, then whatever the client sends next."""
    return prepended({"type": "http.request", "body": body, "more_body": False}, receive)


def prepended(message: Message, receive: Receive) -> Receive:
    """A ``receive`` that yields ``message`` once, then whatever the client sends next."""
    given = False

    async def next_message() -> Message:
        nonlocal given
        if not given:
            given = True
            return message
        return await receive()

    return next_message


class Deadline:
    """``receive`` and ``send`` for an app that reads a body itself, within ``timeout``.

    Past the deadline the app is told the client left (``http.disconnect``: the proxy then
    cancels its upstream call) and the client gets ``refusal`` (a 408) if no answer has
    started; what the app sends after that is dropped.
    """

    def __init__(self, receive: Receive, send: Send, timeout: float,
                 refusal: Refusal) -> None:
        self._receive = receive
        self._send = send
        self._timeout = timeout
        self._refusal = refusal
        self._until = time.monotonic() + timeout
        self._done = False  # the whole body arrived
        self._expired = False
        self._started = False

    async def receive(self) -> Message:
        if self._done or self._expired:
            return await self._receive() if self._done else {"type": "http.disconnect"}
        try:
            async with asyncio.timeout(self._until - time.monotonic()):
                message = await self._receive()
        except TimeoutError:
            self._expired = True
            if not self._started:
                self._started = True
                await self._refusal(self._send)
            return {"type": "http.disconnect"}
        if message["type"] != "http.request" or not message.get("more_body", False):
            self._done = True
        return message

    async def send(self, message: Message) -> None:
        if self._expired:
            return
        if message["type"] == "http.response.start":
            self._started = True
        await self._send(message)
