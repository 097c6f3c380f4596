"""Recorded traffic for ``guard replay``: one JSON object per line, read one line at a time.

A line is either a bare request body, or a record ``{"request": {...}, "path":
..., "headers": {...}, "response": {...}, "time": ...}`` (only ``request`` is
required; ``time``, ISO 8601 or epoch seconds, is when the request was made, so
budgets and rate limits count in the windows it fell in). An object is a record
when its ``request`` is an object and it has no other keys than those: a request
body never looks like that. A line that is neither is :class:`Malformed`, with
the reason; it never stops a replay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from guard.errors import RequestError

RECORD_KEYS = frozenset({"request", "path", "headers", "response", "time"})


@dataclass(frozen=True)
class Record:
    """One recorded request (and maybe its answer), with the line it came from."""

    line: int
    body: dict[str, Any]
    path: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    response: dict[str, Any] | None = None
    time: datetime | None = None


@dataclass(frozen=True)
class Malformed:
    """A line that is not a request: its number and why."""

    line: int
    error: str


def parse_line(number: int, raw: bytes | str) -> Record | Malformed:
    """The record on line ``number``, or why there is none."""
    try:
        data = json.loads(raw)
    except ValueError as exc:
        reason = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) \
            else "not UTF-8"
        return Malformed(number, f"not JSON: {reason}")
    if not isinstance(data, dict):
        return Malformed(number, f"expected a JSON object, got {type(data).__name__}")
    if not _is_record(data):
        return Record(number, data)
    try:
        return _record(number, data)
    except RequestError as exc:  # a record field of the wrong shape
        return Malformed(number, str(exc))


def _is_record(data: dict[str, Any]) -> bool:
    return isinstance(data.get("request"), dict) and data.keys() <= RECORD_KEYS


def _record(number: int, data: dict[str, Any]) -> Record:
    path = data.get("path") or ""
    if not isinstance(path, str):
        raise RequestError("`path` must be a string")
    response = data.get("response")
    if response is not None and not isinstance(response, dict):
        raise RequestError("`response` must be a JSON object")
    return Record(number, data["request"], path, _headers(data.get("headers")), response,
                  _time(data.get("time")))


def _headers(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise RequestError("`headers` must be an object of strings")
    return {str(k).lower(): v for k, v in value.items()}


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return datetime.fromtimestamp(value, UTC)
        if isinstance(value, str):
            stamp = datetime.fromisoformat(value)
            return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise RequestError(f"`time` is not a time: {exc}") from exc
    raise RequestError("`time` must be an ISO 8601 string or epoch seconds")
