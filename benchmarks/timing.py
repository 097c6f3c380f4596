"""Small timing helpers shared by the benchmarks (perf_counter, best of several rounds)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


def per_call_us(fn: Callable[[], Any], iterations: int, rounds: int = 5) -> float:
    """Best-of-``rounds`` mean microseconds per call: the least noisy figure on shared machines."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        best = min(best, (time.perf_counter() - start) / iterations)
    return best * 1e6


def per_call_us_async(fn: Callable[[], Awaitable[Any]], iterations: int, rounds: int = 5) -> float:
    """:func:`per_call_us` for coroutine functions, all rounds in one event loop."""
    async def measure() -> float:
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(iterations):
                await fn()
            best = min(best, (time.perf_counter() - start) / iterations)
        return best * 1e6

    return asyncio.run(measure())


def row(name: str, baseline: str, baseline_us: float, guard: str,
        guard_us: float) -> dict[str, Any]:
    return {"name": name, "baseline": baseline, "baseline_us": baseline_us, "guard": guard,
            "guard_us": guard_us, "ratio": guard_us / baseline_us if baseline_us else 0.0}
