"""One value per ``x-ratelimit-*`` header: the tighter of guard's limits and the upstream's.

guard's rate limits announce themselves in the headers OpenAI's API uses
(``x-ratelimit-limit-requests``, ``-remaining-``, ``-reset-``; ``-tokens`` too), and so
does the upstream. Sent side by side, a client reads one header of two values (httpx
joins them: ``'9999, 4'``) and an SDK's ``int()`` fails. So each family (the suffix after
``limit``/``remaining``/``reset``: ``-requests``, ``-tokens``, or none) is sent once:

- **remaining** is the smaller of the two: what the caller may still send is what both allow;
- **limit** is the limit of the side whose remaining is smaller (on a tie, the smaller
  limit), so ``remaining <= limit`` holds and the pair describes one real limit;
- **reset** is the later of the two resets (durations such as ``1s``, ``6m0s``, ``20ms``
  or plain seconds): by then both sides are back to their full allowance. A reset neither
  side wrote readably is taken from the side whose limit binds.

A family only one side sends passes unchanged; so does every header when guard sends none
(no parsing on that path). The same rule merges two of guard's own rate limits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

PREFIX = "x-ratelimit-"
FIELDS = ("limit", "remaining", "reset")
_NAME = re.compile(r"x-ratelimit-(limit|remaining|reset)(-[a-z0-9-]+)?")
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?"
                       r"(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?")
_UNITS = (3600.0, 60.0, 1.0, 0.001)

Family = dict[str, str]  # field ("limit", "remaining", "reset") -> value as sent
RawHeaders = list[tuple[bytes, bytes]]


def duration(seconds: float) -> str:
    """``seconds`` as OpenAI writes a reset: ``20ms``, ``1s``, ``6m0s``, ``1h0m0s`` (rounded up)."""
    if seconds < 1:
        return f"{max(0, math.ceil(seconds * 1000))}ms"
    whole = math.ceil(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    return f"{minutes}m{secs}s" if minutes else f"{secs}s"


def seconds(value: str | None) -> float | None:
    """A reset as seconds (``1m30s``, ``250ms``, ``2.5``), or ``None`` when unreadable."""
    if value is None:
        return None
    text = value.strip().lower()
    try:
        return float(text)
    except ValueError:
        pass
    found = _DURATION.fullmatch(text)
    if found is None or not text:
        return None
    return sum(float(n) * unit for n, unit in zip(found.groups(), _UNITS, strict=True) if n)


def tighter(ours: Family, theirs: Family) -> Family:
    """One family from two (see the module's rule); ``ours`` wins ties."""
    first, second = sorted((ours, theirs), key=_tightness)  # stable: ours first on a tie
    out = {name: value for name in ("limit", "remaining")
           if (value := first.get(name, second.get(name))) is not None}
    reset = _later(first.get("reset"), second.get("reset"))
    if reset is not None:
        out["reset"] = reset
    return out


def merge(ours: dict[str, str], more: Mapping[str, str]) -> None:
    """Add ``more`` (one policy's headers) to ``ours``, x-ratelimit families by :func:`tighter`."""
    if not any(name.startswith(PREFIX) for name in more):
        ours.update(more)
        return
    kept = families(ours.items())
    added = families(more.items())
    ours.update({k: v for k, v in more.items() if _NAME.fullmatch(k) is None})
    for suffix, family in added.items():
        merged = tighter(kept[suffix], family) if suffix in kept else family
        _write(ours, suffix, merged)


def combined(upstream: RawHeaders, ours: Mapping[str, str]) -> RawHeaders:
    """The upstream's headers and guard's, one value per x-ratelimit header."""
    extra = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in ours.items()]
    if not any(name.startswith(PREFIX) for name in ours):
        return upstream + extra
    theirs = families((k.decode("latin-1").lower(), v.decode("latin-1"))
                      for k, v in upstream if k.lower().startswith(PREFIX.encode()))
    if not theirs:
        return upstream + extra
    mine = families(ours.items())
    out: dict[str, str] = {}
    for suffix in {**theirs, **mine}:
        if suffix in mine and suffix in theirs:
            _write(out, suffix, tighter(mine[suffix], theirs[suffix]))
    if not out:
        return upstream + extra
    kept = [(k, v) for k, v in upstream if k.decode("latin-1").lower() not in _names(out)]
    mine_left = [(k, v) for k, v in extra if k.decode("latin-1") not in _names(out)]
    return kept + mine_left + [(k.encode("latin-1"), v.encode("latin-1"))
                               for k, v in out.items()]


def families(headers: Iterable[tuple[str, str]]) -> dict[str, Family]:
    """x-ratelimit headers by family suffix (the first value of a name that comes twice)."""
    out: dict[str, Family] = {}
    for name, value in headers:
        found = _NAME.fullmatch(name.lower())
        if found is not None:
            out.setdefault(found.group(2) or "", {}).setdefault(found.group(1), value)
    return out


def _names(headers: Mapping[str, str]) -> set[str]:
    """Every header name of the families ``headers`` writes (all three fields of each)."""
    suffixes = {m.group(2) or "" for k in headers if (m := _NAME.fullmatch(k))}
    return {f"{PREFIX}{field}{suffix}" for suffix in suffixes for field in FIELDS}


def _write(headers: dict[str, str], suffix: str, family: Family) -> None:
    for field in FIELDS:
        headers.pop(f"{PREFIX}{field}{suffix}", None)
    for field, value in family.items():
        headers[f"{PREFIX}{field}{suffix}"] = value


def _tightness(family: Family) -> tuple[float, float]:
    return (_number(family.get("remaining")), _number(family.get("limit")))


def _number(value: str | None) -> float:
    try:
        number = float(value) if value is not None else math.inf
    except ValueError:
        return math.inf  # unreadable: the other side's value is the one a client can use
    return number if math.isfinite(number) else math.inf


def _later(first: str | None, second: str | None) -> str | None:
    """The later reset; the binding side's (``first``) when either cannot be read."""
    if first is None or second is None:
        return second if first is None else first
    a, b = seconds(first), seconds(second)
    if a is None or b is None:
        return first
    return second if b > a else first
