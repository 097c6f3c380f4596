"""An event's ``id:`` and ``retry:`` fields, kept through a guarded stream when the output
checks pass them.

An SSE ``id`` is what a client sends back as ``Last-Event-ID`` to resume a stream where it
broke off: MCP's Streamable HTTP transport is built on it. It is also text the upstream
chose, which reaches the caller (``lastEventId``): so, when text checks guard the answer, a
field goes out only if they pass it unchanged. A field they would edit is dropped whole (an
edited resumption token resumes nothing; the caller then resumes from the last id it was
given, and is sent the event again), a field they refuse ends the stream like refused text,
and what they found is logged with the rest of the stream's findings. Without text checks
nothing could read a field but the caller, and it goes out as it came.

The fields ride on the last event guard writes for the upstream's event (a text delta held
back for a phrase that may continue goes out later, without them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from guard.dialects.events import Event
from guard.engine.decision import PolicyTrace, merged
from guard.engine.output import TextScan
from guard.engine.run import Denial

Scan = Callable[[str], Awaitable[TextScan]]


class EventFields:
    """The fields of a stream's events through its text checks (``scan``: none to pass)."""

    def __init__(self, scan: Scan | None) -> None:
        self.scan = scan
        self.violations: dict[str, Any] = {}
        self.traces: dict[str, PolicyTrace] = {}
        self.denial: Denial | None = None

    async def kept(self, event: Event) -> list[tuple[str, str]]:
        """The (field, value) pairs of ``event`` that may go out; sets :attr:`denial` when a
        check refuses one."""
        pairs = [(name, value) for name, value in
                 (("id", event.id), ("retry", None if event.retry is None else str(event.retry)))
                 if value is not None]
        return [(name, value) for name, value in pairs if await self._passes(value)]

    async def _passes(self, value: str) -> bool:
        if self.scan is None or self.denial is not None:
            return self.denial is None
        scanned = await self.scan(value)
        for violation in scanned.violations:
            self.violations.setdefault(violation.policy, violation)
        for trace in scanned.trace:
            known = self.traces.get(trace.policy)
            self.traces[trace.policy] = trace if known is None else merged(known, trace)
        self.denial = scanned.denial
        return scanned.denial is None and scanned.text == value


def with_fields(out: bytes, pairs: list[tuple[str, str]]) -> bytes:
    """``out``, SSE events guard wrote, with ``pairs`` as fields of its last event (before
    the blank line that ends it). An ``id`` holds no line end (the parser took it from one
    line), so a field cannot start another."""
    if not pairs or not out.endswith(b"\n\n"):
        return out
    lines = "".join(f"{name}: {value}\n" for name, value in pairs).encode()
    return out[:-1] + lines + b"\n"
