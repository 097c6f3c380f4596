"""Work that grows with a request's size runs off the event loop once the request is big.

One event loop serves every caller of a guarded app, so whatever one request computes on
it, every other caller waits for: a 4 MB body parsed, read and scanned there, or 100k
messages turned into pure-Python CEL values, stalled the loop for seconds. Above
:data:`OFFLOAD_BYTES` such work runs in a worker thread (``asyncio.to_thread``) and the
loop keeps serving; the GIL is handed back to it every switch interval (5 ms), so the
longest stall is a few milliseconds however big the request. Below it the work runs
inline: a thread hop costs ~100 µs of CPU and two GIL hand-overs, more than a 2 KB request
costs to decide. ``benchmarks/bench_loop.py`` measures the longest stall.

The other stall is the cyclic garbage collector: a 4 MB request is a million objects
(parsed JSON, segments, pure-Python CEL values), allocating them sets off full collections,
and each full pass walks the whole heap holding the GIL: 100-800 ms, in whichever thread
allocated. So automatic collection pauses while big work runs in a thread (re-enabled when
the last such work ends, if it was on): that work makes no cycles worth collecting, its
objects go when their references do, and a collection after it finds a small heap again.
"""

from __future__ import annotations

import asyncio
import gc
import threading
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
    """``fn(*args, **kwargs)``: in a worker thread when ``big`` (the collector paused
    meanwhile), else right here."""
    if big:
        return await asyncio.to_thread(_collector.paused_call, fn, *args, **kwargs)
    return fn(*args, **kwargs)


class _Collector:
    """Automatic garbage collection, paused while any big work runs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.resume = False  # whether to enable the collector when the last work ends

    def paused_call(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        with self.lock:
            if self.running == 0:
                self.resume = gc.isenabled()
                gc.disable()
            self.running += 1
        try:
            return fn(*args, **kwargs)
        finally:
            with self.lock:
                self.running -= 1
                if self.running == 0 and self.resume:
                    gc.enable()


_collector = _Collector()
