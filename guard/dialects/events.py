"""Streamed answers as events: server-sent events and newline-delimited JSON.

Upstreams send events in arbitrary chunks (one event in three chunks, three in one); guards
must see whole events. A :class:`Framing` keeps the incomplete tail and yields complete
events; an event keeps its raw bytes so one that guard does not change is forwarded byte for
byte, and ``encode`` writes a changed or new event in the same framing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_SEPARATORS = (b"\r\n\r\n", b"\n\n", b"\r\r")


@dataclass
class Event:
    """One event: its ``event:`` name, its ``data:`` (joined lines) and its raw bytes."""

    name: str | None
    data: str
    raw: bytes

    def json(self) -> Any:
        """The data as JSON, or ``None`` when it is not JSON (``[DONE]``, a comment)."""
        try:
            return json.loads(self.data)
        except ValueError:
            return None


class Framing:
    """Incremental: ``feed`` bytes, get the events they complete; ``encode`` writes one."""

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, chunk: bytes) -> Iterator[Event]:
        raise NotImplementedError

    def rest(self) -> bytes:
        """Bytes after the last complete event (a stream cut short)."""
        rest, self.buffer = self.buffer, b""
        return rest

    def encode(self, data: Any, name: str | None = None) -> bytes:
        raise NotImplementedError


class SSE(Framing):
    """Server-sent events (``text/event-stream``)."""

    def feed(self, chunk: bytes) -> Iterator[Event]:
        self.buffer += chunk
        while True:
            cut = _next_separator(self.buffer)
            if cut is None:
                return
            end, width = cut
            raw, self.buffer = self.buffer[: end + width], self.buffer[end + width :]
            yield parse_event(raw)

    def encode(self, data: Any, name: str | None = None) -> bytes:
        return encode_event(data, name)


class NDJSON(Framing):
    """One JSON value a line (``application/x-ndjson``: Ollama's streams)."""

    def feed(self, chunk: bytes) -> Iterator[Event]:
        self.buffer += chunk
        while True:
            end = self.buffer.find(b"\n")
            if end < 0:
                return
            raw, self.buffer = self.buffer[: end + 1], self.buffer[end + 1 :]
            if raw.strip():
                yield Event(None, raw.decode("utf-8", "replace").strip(), raw)

    def encode(self, data: Any, name: str | None = None) -> bytes:
        text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False,
                                                             separators=(",", ":"))
        return f"{text}\n".encode()


def _next_separator(buffer: bytes) -> tuple[int, int] | None:
    found = [(i, len(s)) for s in _SEPARATORS if (i := buffer.find(s)) >= 0]
    return min(found) if found else None


def parse_event(raw: bytes) -> Event:
    name: str | None = None
    data: list[str] = []
    for line in raw.decode("utf-8", "replace").splitlines():
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
    return Event(name, "\n".join(data), raw)


def encode_event(data: Any, name: str | None = None) -> bytes:
    """An SSE event with ``data`` as compact JSON (or as is, for a string)."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False,
                                                         separators=(",", ":"))
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {text}\n\n".encode()
