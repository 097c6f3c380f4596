"""What a caller could read in an answer: every reading of its bytes a client might make.

A planted value may reach a client without ever standing whole in the bytes: split across
the deltas of a stream, written with ``\\u`` escapes, in the first of a key given twice, in
a tool call's arguments (JSON inside a JSON string). So the bytes are read every way a client
may read them (one JSON value, last or first of a repeated key winning; SSE events; NDJSON
lines), every string leaf is read again as JSON, and the strings found at one place (the same
pointer, list indexes ignored too) are joined across events, in order, as a client joins
deltas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.serve.answer_stand_in import PLANTED

POLICIES = """version: 1
settings: {store: "memory://", decision_log: none}
policies:
  - name: answer-pii
    type: pii
    stages: [output]
    action: redact
    entities: [EMAIL_ADDRESS, CREDIT_CARD, US_SSN]
  - name: answer-secrets
    type: content
    stages: [output]
    detect: {secrets: true}
    action: redact
"""

_LINE_END = re.compile(r"\r\n|\r|\n")


@contextmanager
def serving(policies: Path, variants: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The stand-in answering ``variants`` behind ``guard serve`` with ``policies``, and an
    httpx client that reads answers as sent (no decoding asked for)."""
    from guard.serve.app import build_app
    from tests.serve.answer_stand_in import build
    from tests.serve.servers import running

    upstream = build(variants)
    with running(upstream) as upstream_url, running(build_app(policies, upstream_url)) as url, \
            httpx.Client(base_url=url, headers={"accept-encoding": "identity"},
                         timeout=30) as client:
        yield {"url": url, "upstream": upstream, "client": client,
               "upstream_url": upstream_url}


def write_policies(folder: Path, text: str = POLICIES) -> Path:
    path = folder / "policies.yaml"
    path.write_text(text)
    return path


def leaks(raw: bytes) -> list[str]:
    """The planted values some reading of ``raw`` shows."""
    found = {value for text in readings(raw) for value in PLANTED if value in text}
    return sorted(found)


def readings(raw: bytes) -> Iterator[str]:
    text = raw.decode("utf-8", "replace")
    yield text
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield raw.decode("utf-16", "replace")
    for values in ([text], sse_data(text), text.splitlines()):  # one value; SSE; NDJSON
        joined = [Joined(), Joined()]  # a last-wins and a first-wins reader
        for data in values:
            yield data
            for reader, value in zip(joined, parsed(data), strict=False):
                reader.add(value)
        for reader in joined:
            yield from reader.texts()


def parsed(text: str) -> list[Any]:
    """``text`` as JSON read by a last-wins and a first-wins parser (none if not JSON)."""
    out = []
    for hook in (None, _first_wins):
        try:
            out.append(json.loads(text, object_pairs_hook=hook))
        except (ValueError, RecursionError):
            return []
    return out


def _first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        out.setdefault(key, value)
    return out


class Joined:
    """String leaves joined by place across values (events), in order."""

    def __init__(self) -> None:
        self.places: dict[tuple[Any, ...], list[str]] = {}

    def add(self, value: Any) -> None:
        for pointer, leaf in leaves(value):
            for place in {pointer, _wild(pointer)}:
                self.places.setdefault(place, []).append(leaf)

    def texts(self) -> Iterator[str]:
        for parts in self.places.values():
            whole = "".join(parts)
            yield whole
            for value in parsed(whole):  # arguments streamed in pieces: JSON once joined
                yield from (leaf for _, leaf in leaves(value))


def leaves(value: Any, pointer: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*pointer, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from leaves(item, (*pointer, i))
    elif isinstance(value, str):
        yield pointer, value
        for n, inner in enumerate(parsed(value) if value[:1] in "[{\"" else []):
            yield from leaves(inner, (*pointer, f"<json {n}>"))


def _wild(pointer: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple("*" if isinstance(p, int) else p for p in pointer)


def sse_data(text: str) -> list[str]:
    """The data of each event of ``text`` read as SSE (WHATWG line ends), the last event
    even when unended (some clients act on it)."""
    out, data, fields = [], [], False
    for line in _LINE_END.split(text.removeprefix("\ufeff")):
        if not line:
            if fields:
                out.append("\n".join(data))
            data, fields = [], False
            continue
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value[1:] if value.startswith(" ") else value)
            fields = True
    if fields:
        out.append("\n".join(data))
    return out
