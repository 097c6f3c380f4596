"""Work that grows with a request's size runs off the event loop once the request is big.

One event loop serves every caller of a guarded app, so whatever one request computes on
it, every other caller waits for: a 4 MB body parsed, read and scanned there, or 100k
messages turned into pure-Python CEL values, stalled the loop for seconds. Above
:data:`OFFLOAD_BYTES` such work runs in a worker thread (``asyncio.to_thread``) and the
loop keeps serving; the GIL is handed back to it every switch interval (5 ms), so the
longest stall is a few milliseconds however big the request. Below it the work runs
inline: a thread hop costs ~100 µs of CPU and two GIL hand-overs, more than a 2 KB request
costs to decide. ``benchmarks/bench_loop.py`` measures the longest stall.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ParamSpec, TypeVar

if TYPE_CHECKING:
    from guard.envelope import Envelope, Segment

P = ParamSpec("P")
T = TypeVar("T")

OFFLOAD_BYTES = 16_384
"""The size (bytes of a body, characters of text) from which work goes to a thread: the
same line the PII check draws for its detectors."""

SEGMENT_WEIGHT = 64
"""What one text segment weighs beyond its characters: each is a node to walk, convert
and scan, so 100k short messages are big although their text is not."""


def weight(segments: Sequence[Segment]) -> int:
    """A request's size as the work on it grows: its characters plus a share per segment
    (computed once, when the envelope is read)."""
    return sum(len(s.text) for s in segments) + SEGMENT_WEIGHT * len(segments)


def is_big(envelope: Envelope) -> bool:
    """Whether work over ``envelope`` goes to a worker thread."""
    return envelope.weight >= OFFLOAD_BYTES


async def run(big: bool, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)``: in a worker thread when ``big``, else right here."""
    if big:
        return await asyncio.to_thread(fn, *args, **kwargs)
    return fn(*args, **kwargs)
