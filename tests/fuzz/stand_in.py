"""The fuzzing harness's upstream: answers exactly the bytes the current example chose.

A pure ASGI app (no framework between the bytes and the wire), so a malformed answer stays
malformed: CR or CRLF framing, an event cut short, bytes split anywhere, a multi-byte
character across two writes. Every request it receives is kept raw, so a test sees what
guard forwarded. It serves as the upstream of ``guard serve`` and as the app
``GuardMiddleware`` wraps.

:class:`LagProbe` measures how late the serving event loop wakes a sleeper: the longest
stall any request caused while the probe ran.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass(frozen=True)
class Answer:
    """What the upstream answers: a status, a content type and the body in pieces (one
    ``http.response.body`` message each)."""

    pieces: tuple[bytes, ...]
    content_type: str = "application/json"
    status: int = 200

    @property
    def body(self) -> bytes:
        return b"".join(self.pieces)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis's printer
        printer.text(repr(self))

    def __repr__(self) -> str:  # a falsifying example stays readable however large
        return (f"Answer({self.status}, {self.content_type!r}, {len(self.pieces)} pieces, "
                f"{shortened(self.body)})")


def shortened(raw: bytes, keep: int = 300) -> str:
    """``raw`` as a repr, its middle cut out when it is long."""
    if len(raw) <= 2 * keep:
        return repr(raw)
    return f"{raw[:keep]!r} ... ({len(raw) - 2 * keep} bytes) ... {raw[-keep:]!r}"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(repr=False)
class Scripted:
    """The upstream: ``answer`` is what the next request gets; ``received`` what came in."""

    answer: Answer = field(default_factory=lambda: Answer((b"{}",)))
    received: list[Received] = field(default_factory=list)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis's printer
        printer.text(repr(self))

    def __repr__(self) -> str:
        return f"Scripted({len(self.received)} requests received)"

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        self.received.append(Received(scope["method"], scope.get("path", ""), headers, body))
        answer = self.answer
        await send({"type": "http.response.start", "status": answer.status,
                    "headers": [(b"content-type", answer.content_type.encode())]})
        for piece in answer.pieces:
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


class LagProbe:
    """Pure ASGI wrapper: on the first request, starts a task on the serving loop that
    sleeps ``tick`` seconds over and over and keeps the longest overshoot (``worst``)."""

    def __init__(self, app: Callable[[Message, Receive, Send], Awaitable[None]],
                 tick: float = 0.005) -> None:
        self.app = app
        self.tick = tick
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if self._task is None and scope["type"] == "http":
            self._task = asyncio.get_running_loop().create_task(self._watch())
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _lifespan(self, scope: Message, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if self._task is not None:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self.tick)
            self.worst = max(self.worst, loop.time() - started - self.tick)

    def reset(self) -> float:
        """The longest stall since the last reset."""
        worst, self.worst = self.worst, 0.0
        return worst
