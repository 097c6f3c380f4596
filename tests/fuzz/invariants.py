"""What must hold whatever the fuzzer sends or the upstream answers.

(a) No 5xx but the documented 502 and 504 (the harness's policies have no check that may
    fail, so a 503 can only come from a crash); every refusal guard writes is JSON in its
    API's error shape and names no internals (exception types, tracebacks, files).
(b) A planted PII value reaches neither the upstream (raw bytes, or the JSON they parse to)
    nor the caller (the answer's bytes, its JSON, or the text of its events put together,
    since a stream carries a value cut across events).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

INTERNALS = re.compile(
    r"Traceback|File \"|\b[A-Z][A-Za-z]*(?:Error|Exception)\b|\bsys\.\w|site-packages|"
    r"\.py\b|0x[0-9a-f]{6,}")
"""What an error message must not name: exception types, stack frames, source files,
interpreter internals, object addresses."""

TEXT_KEYS = frozenset({"content", "text", "delta", "partial_json", "arguments", "thinking",
                       "refusal", "reasoning_content", "data", "answer", "message", "result"})
"""Keys whose strings the caller's SDK shows as text (a stream's deltas among them)."""

ALLOWED_5XX = frozenset({502, 504})


def check_status(status: int, body: bytes, family: str, from_upstream: bool) -> None:
    """(a) for a whole answer: allowed status; a refusal guard wrote has its API's shape."""
    assert status < 500 or status in ALLOWED_5XX, (status, body[:500])
    if status < 400 or from_upstream:
        return
    error = json.loads(body)  # every refusal is JSON
    assert shaped(error, family), (family, error)
    no_internals(message_of(error))


def shaped(error: Any, family: str) -> bool:
    """``error`` is a body of ``family``'s error shape (``any``: of one of them)."""
    if family == "any":
        return any(shaped(error, f) for f in ("openai", "anthropic", "google"))
    if not isinstance(error, dict):
        return False
    inner = error.get("error")
    if family == "anthropic":
        return (error.get("type") == "error" and isinstance(inner, dict)
                and isinstance(inner.get("type"), str) and isinstance(inner.get("message"), str))
    if family == "google":
        return (isinstance(inner, dict) and isinstance(inner.get("code"), int)
                and isinstance(inner.get("message"), str) and isinstance(inner.get("status"), str))
    return (isinstance(inner, dict) and isinstance(inner.get("message"), str)
            and isinstance(inner.get("type"), str) and set(inner) <= {"message", "type", "code",
                                                                    "param"})


def message_of(error: dict[str, Any]) -> str:
    inner = error.get("error")
    return str(inner.get("message") if isinstance(inner, dict) else inner)


def no_internals(message: str) -> None:
    found = INTERNALS.search(message)
    assert found is None, f"error message names internals ({found.group()}): {message}"


def guard_errors(body: bytes) -> list[str]:
    """The messages of the error events guard put into a stream (its own ``guard`` errors)."""
    messages = []
    for value in json_pieces(body):
        if isinstance(value, dict) and ("error" in value or value.get("type") == "error"):
            messages.append(message_of(value))
    return messages


def json_pieces(body: bytes) -> Iterable[Any]:
    """The body as JSON, or each line's (an event's ``data:``) JSON, where they parse."""
    text = body.decode("utf-8", "replace")
    candidates = [text] + [re.sub(r"^data:\s?", "", line)
                           for line in re.split(r"\r\n|\r|\n", text)]
    for candidate in candidates:
        try:
            yield json.loads(candidate)
        except (ValueError, RecursionError):
            continue


def texts(value: Any, key: str | None = None) -> Iterable[str]:
    """The strings under :data:`TEXT_KEYS`, in order; a string that is JSON is read too."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from texts(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item, key)
    elif isinstance(value, str) and key in TEXT_KEYS:
        yield value


def shown(body: bytes) -> str:
    """Everything a caller can read in ``body``: the bytes, the JSON they hold with escapes
    undone, and the text of all events joined (where a value cut across events is whole)."""
    pieces = list(json_pieces(body))
    return "\n".join([body.decode("utf-8", "replace"),
                      *(json.dumps(p, ensure_ascii=False) for p in pieces),
                      "".join(t for p in pieces for t in texts(p))])


def no_pii(what: str, seen: str, planted: Iterable[str]) -> None:
    for value in planted:
        assert value not in seen, f"{value!r} reached the {what}: {seen[:2000]!r}"
