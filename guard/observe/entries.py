"""Each policy's entry in a decision-log line, written straight as JSON text.

What an entry may hold is an allow-list per policy type (:data:`DETAIL`):
named keys with flat values (names, counts, numbers, hashes). Budget and
rate-limit ``bucket`` values arrive as keyed hashes (:mod:`guard.observe.events`
replaces the checks' own), never the bucket's value; a failed check's ``error``
text is never copied, nor an llm judge's ``reason`` (written after reading the text).
Empty findings are left out, so a passing policy costs a short entry.

Why by hand and not ``json.dumps`` of a dict: each call of json's encoder costs
about 1 µs before it writes anything, and building a dict per policy about as
much again; a set of 18 policies spent 35 µs per line on that. Here the
constant part of an entry (name, type, stage, verdict, mode) is encoded once
and cached, every string still goes through json's own C escaper, and numbers
through ``repr`` (a non-finite one becomes ``null``), so a line is valid JSON by
construction; the tests parse every line they write.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from functools import lru_cache
from json.encoder import encode_basestring_ascii as string
from typing import Any

from guard.engine.decision import PolicyTrace

Detail = Mapping[str, Any]


def entry(trace: PolicyTrace, detail: Detail | None = None) -> str:
    """One policy's outcome as a JSON object: constant part, duration, allowed detail
    (``detail`` in place of the trace's own, when given)."""
    text = _prefix(trace.policy, trace.type, trace.stage, trace.verdict, trace.enforced)
    text += milliseconds(trace.duration_ms)
    write = DETAIL.get(trace.type)
    detail = trace.detail if detail is None else detail
    if write is not None and detail:
        text += write(detail)
    return text + "}"


def milliseconds(value: float) -> str:
    """A duration to the µs, as "0.349" (``round`` then ``repr`` costs three times more)."""
    return f"{value:.3f}" if math.isfinite(value) else "null"


def number(value: float) -> str:
    return repr(float(value)) if math.isfinite(value) else "null"


def names(value: Any) -> list[str]:
    """A list of names, or nothing: anything else in its place is dropped."""
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def counts(value: Any) -> dict[str, int]:
    """A mapping of names to counts, or nothing."""
    return {str(k): int(v) for k, v in value.items()} if isinstance(value, Mapping) else {}


@lru_cache(maxsize=4096)
def _prefix(policy: str, kind: str, stage: str, verdict: str, enforced: bool) -> str:
    return (f'{{"policy":{string(policy)},"type":{string(kind)},"stage":{string(stage)},'
            f'"verdict":{string(verdict)},"enforced":{"true" if enforced else "false"},"ms":')


def _pii(detail: Detail) -> str:
    found = counts(detail.get("entities"))
    if not found:
        return ""
    return ',"entities":{' + ",".join(f"{string(k)}:{n}" for k, n in found.items()) + "}"


def _content(detail: Detail) -> str:
    text = ""
    found = names(detail.get("detectors"))
    if found:
        text += ',"detectors":[' + ",".join(map(string, found)) + "]"
        text += f',"matches":{int(detail.get("matches", 0))}'
    rules = names(detail.get("injection_rules"))
    if rules:
        text += ',"injection_rules":[' + ",".join(map(string, rules)) + "]"
    score = detail.get("injection_score")
    if isinstance(score, int | float):
        text += ',"injection_score":' + number(score)
    return text


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return string(value[:300])
    if isinstance(value, int | float):
        return number(value)
    return None  # a nested value is never copied


def _scalars(*keys: str) -> Callable[[Detail], str]:
    """Copy ``keys`` that hold a plain scalar."""
    encoded = [(key, f",{string(key)}:") for key in keys]

    def write(detail: Detail) -> str:
        parts = (label + text for key, label in encoded
                 if key in detail and (text := _scalar(detail[key])) is not None)
        return "".join(parts)
    return write


DETAIL: dict[str, Callable[[Detail], str]] = {
    "pii": _pii,
    "content": _content,
    "budget": _scalars("counted", "bucket", "amount", "used", "limit", "unit"),
    "rate_limit": _scalars("counted", "bucket", "limited"),
    "route": _scalars("model"),
    # never the judge's reason: the judge writes it after reading the text, and may quote it
    "llm": _scalars("flagged", "judged", "cached", "model"),
}
"""Per policy type, the writer of what its trace ``detail`` may contribute."""
