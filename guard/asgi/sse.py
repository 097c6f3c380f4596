"""Server-sent events: split a byte stream into events and write them back.

Upstreams send events in arbitrary chunks (one event in three chunks, three in
one); guards must see whole events. The parser keeps the incomplete tail and
yields complete events; an event keeps its raw bytes so one that guard does
not change is forwarded byte for byte.
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


class EventParser:
    """Incremental: ``feed`` bytes, get the events they complete."""

    def __init__(self) -> None:
        self.buffer = b""

    def feed(self, chunk: bytes) -> Iterator[Event]:
        self.buffer += chunk
        while True:
            cut = _next_separator(self.buffer)
            if cut is None:
                return
            end, width = cut
            raw, self.buffer = self.buffer[: end + width], self.buffer[end + width :]
            yield parse_event(raw)

    def rest(self) -> bytes:
        """Bytes after the last complete event (a stream cut short)."""
        rest, self.buffer = self.buffer, b""
        return rest


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
    """An event with ``data`` as compact JSON (or as is, for a string)."""
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False,
                                                         separators=(",", ":"))
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {text}\n\n".encode()
