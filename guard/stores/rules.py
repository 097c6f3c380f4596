"""The arithmetic every backend shares, so all three answer alike.

Each backend only has to make its read-modify-write atomic; *what* fits under a limit,
which window a time falls in and how long to wait after a refusal are decided here (the
Redis Lua scripts repeat the two comparisons below with the same double arithmetic).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

#: Absolute slack on every "fits under the limit" comparison. Costs are sums of decimal
#: fractions that binary floats cannot represent exactly (0.1 + 0.2 + 0.7 > 1.0), and an
#: exact fit must not be refused over rounding noise; 1e-9 is far below any real price.
FIT_TOLERANCE = 1e-9


def fits(used: float, amount: float, limit: float) -> bool:
    """Whether ``amount`` more stays within ``limit`` (rounding noise forgiven)."""
    return used + amount <= limit + FIT_TOLERANCE


def check_amount(name: str, value: float) -> float:
    """Refuse negative, infinite and NaN amounts: they would corrupt a shared counter."""
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


def new_id() -> str:
    """A reservation id: random, so ids from many processes never collide."""
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Window:
    """Where ``now`` falls in a rate window: the fixed window and the previous one's weight."""

    index: int  # fixed window number since the epoch (its start is index * length)
    length: float
    elapsed: float  # seconds since the fixed window started
    sliding: bool
    weight: float  # share of the previous window still counted (0 for fixed windows)

    @property
    def ttl(self) -> float:
        """How long this window's counter is still read (as the previous window, if sliding)."""
        return 2 * self.length - self.elapsed

    def count(self, current: float, previous: float) -> float:
        """The (weighted) count of the window; the Lua script computes it in this order."""
        return previous * self.weight + current


def window_at(now: float, length: float, sliding: bool) -> Window:
    """The fixed window containing ``now``, aligned to multiples of ``length`` since the epoch."""
    if not math.isfinite(length) or length <= 0:
        raise ValueError(f"window must be a positive number of seconds, got {length!r}")
    length = float(length)  # 60 and 60.0 must name the same window in every backend
    index = math.floor(now / length)
    elapsed = now - index * length
    weight = (length - elapsed) / length if sliding else 0.0
    return Window(index, length, elapsed, sliding, weight)


def retry_after(window: Window, current: float, previous: float, amount: float,
                limit: float) -> float:
    """Seconds until a hit of ``amount`` would be allowed if nobody else hits meanwhile.

    A hit larger than the limit never fits; then the answer is the time until the window
    is empty (a retry is refused again, but the caller gets a finite, honest horizon).
    """
    to_end = window.length - window.elapsed
    if amount > limit + FIT_TOLERANCE:
        return to_end + (window.length if window.sliding and current else 0.0)
    if not window.sliding:
        return to_end
    if fits(current, amount, limit) and previous > 0:
        # Within this window: wait until enough of the previous one has slid out.
        return max(0.0, to_end - (limit - current - amount) * window.length / previous)
    if current > 0:
        # Only the next window can fit it: this window becomes the weighted previous one.
        return to_end + max(0.0, window.length - (limit - amount) * window.length / current)
    return 0.0
