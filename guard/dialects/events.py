"""Streamed answers as events: server-sent events and newline-delimited JSON.

Upstreams send events in arbitrary chunks (one event in three chunks, three in one); guards
must see whole events, read exactly as the caller's parser will read them: a guard that splits
lines or fields differently from the client (a lone CR, a BOM, ``data:x`` against
``data: x``) checks one text while the client shows another. So :class:`SSE` follows the
WHATWG event-stream interpretation rules to the letter, chunk boundaries included.

Nothing is forwarded unparsed: every byte of the stream lands in the ``raw`` of exactly one
event, so an event guard leaves alone goes out byte for byte, comments and keep-alives reach
the client as they arrive (as comment events), and :meth:`Framing.end` parses whatever a stream
cut short left pending rather than passing it on unchecked. ``encode`` writes a changed or new
event in the same framing, always whole (ended by its blank line or line end).

Parsing costs time linear in the stream: pending bytes are kept as a list of pieces joined
once, when their event completes, and each chunk is scanned once. One pending event may hold at
most :data:`MAX_EVENT` bytes (:class:`EventTooLarge`), so an upstream that never ends an event
cannot make guard hold unbounded memory.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from guard.envelope.reading import loads_finite
from guard.errors import GuardError

MAX_EVENT = 16 * 1024 * 1024
"""Bytes one pending event may hold: guard keeps a whole event before forwarding any of it."""

_BOM = b"\xef\xbb\xbf"
_LINE_END = re.compile(rb"\r\n?|\n")  # SSE: CRLF, LF or a lone CR
_TEXT_LINE_END = re.compile(r"\r\n?|\n")  # the same, to split the data guard encodes
_CR, _LF = 0x0D, 0x0A


_UNREAD: Any = object()
SENTINELS = frozenset({"[DONE]"})
"""Event data that is no JSON and carries no text: the end markers APIs send."""


class EventTooLarge(GuardError):
    """One event grew past the framing's limit before it ended: the stream cannot be
    guarded (guard never forwards an event it has not seen whole), so it must be cut."""


@dataclass
class Event:
    """One event: its ``event:`` name, its ``data:`` (lines joined with LF), its raw bytes.

    ``id`` and ``retry`` are this event's own valid ``id:`` / ``retry:`` fields (``None``
    when it has none), so a guard that rewrites an event can tell what it carried. ``comment``
    marks a block that sets no field at all (comments, keep-alives, stray blank lines, a
    fragment cut short): it has nothing to check but its ``raw`` must still reach the client.
    A block with fields but no ``data:`` line is yielded as an event with ``data == ""``
    though a browser fires no message for it: its ``id``/``retry`` still count there.
    """

    name: str | None
    data: str
    raw: bytes
    id: str | None = None
    retry: int | None = None
    comment: bool = False
    _parsed: Any = field(default=_UNREAD, init=False, repr=False, compare=False)

    def json(self) -> Any:
        """The data as JSON, or ``None`` when it is not JSON (``[DONE]``, a comment); parsed
        once, however many readers ask (the stream guard, then the dialect)."""
        if self._parsed is _UNREAD:
            try:
                self._parsed = loads_finite(self.data)  # written out again: finite
            except (ValueError, RecursionError):
                self._parsed = None
        return self._parsed

    def unreadable(self) -> bool:
        """Data that is neither JSON nor a sentinel (``[DONE]``): what guard cannot check."""
        return (not self.comment and bool(self.data.strip()) and self.json() is None
                and self.data.strip() not in SENTINELS)


class Framing:
    """Incremental: ``feed`` bytes, get the events they complete; ``end`` for what is left;
    ``encode`` writes one event. Keeps the pending raw bytes as pieces (see the module)."""

    def __init__(self, limit: int = MAX_EVENT) -> None:
        self.limit = limit
        self._pieces: list[bytes] = []
        self._size = 0

    def feed(self, chunk: bytes) -> list[Event]:
        """The events ``chunk`` completes, in order; raises :class:`EventTooLarge`."""
        raise NotImplementedError

    def end(self) -> list[Event]:
        """The stream ended: what it left pending (an event without its end, a last line
        without its line end), parsed, so it is guarded like any event; ``[]`` if nothing."""
        raise NotImplementedError

    def encode(self, data: Any, name: str | None = None) -> bytes:
        raise NotImplementedError

    def keepalive(self) -> bytes:
        """An event that carries nothing, in place of a comment or a blank line."""
        raise NotImplementedError

    def closer(self, sent: bytes) -> bytes:
        """Bytes that end the event ``sent`` leaves open (an event from :meth:`end`,
        forwarded as it came), so that what is written after it is an event of its own."""
        raise NotImplementedError

    def _keep(self, piece: bytes) -> None:
        if piece:
            self._check(self._size + len(piece))
            self._pieces.append(piece)
            self._size += len(piece)

    def _take(self, tail: bytes) -> bytes:
        """The pending raw bytes, ended by ``tail``, joined once; the pending list is reset."""
        self._check(self._size + len(tail))
        raw = b"".join((*self._pieces, tail)) if self._pieces else tail
        self._pieces, self._size = [], 0
        return raw

    def _check(self, size: int) -> None:
        if size > self.limit:
            raise EventTooLarge(f"an event of more than {self.limit} bytes")


class SSE(Framing):
    """Server-sent events (``text/event-stream``), read as the WHATWG HTML standard says.

    Lines end with CRLF, LF or a lone CR; a CR that ends one chunk and an LF that starts the
    next are one line end (the LF then opens the next event's ``raw``: the event was already
    whole at the CR, and holding it back for a byte that may never come would stall it). A
    BOM at the very start is dropped for parsing (kept in ``raw``); a line starting with
    ``:`` is a comment; ``field:value`` loses one space after the colon; a line without a
    colon is a field with an empty value; unknown fields are ignored; a blank line ends the
    event. ``last_id`` is the standard's last event ID buffer, kept across events.
    """

    def __init__(self, limit: int = MAX_EVENT) -> None:
        super().__init__(limit)
        self.last_id = ""
        self._head: bytes | None = b""  # the stream's first bytes, until the BOM is settled
        self._line: list[bytes] = []  # the current line so far (the tail of the pieces)
        self._skip_lf = False  # the last chunk ended with a CR: an LF next is its line end
        self._reset()

    def _reset(self) -> None:
        self._name: str | None = None
        self._data: list[str] = []
        self._id: str | None = None
        self._retry: int | None = None
        self._fields = False

    def feed(self, chunk: bytes) -> list[Event]:
        if self._head is not None:
            chunk = self._settle_bom(chunk)
        events: list[Event] = []
        start = at = 0  # where the pending event and the current line start in the chunk
        if self._skip_lf and chunk:
            self._skip_lf = False
            at = 1 if chunk[0] == _LF else 0
        for match in _LINE_END.finditer(chunk, at):
            begin, stop = match.span()
            line = chunk[at:begin]
            if self._line:
                self._line.append(line)
                line = b"".join(self._line)
                self._line = []
            at = stop
            self._skip_lf = stop == len(chunk) and chunk[begin] == _CR and stop - begin == 1
            if line:
                self._field(line)
            else:
                events.append(self._dispatch(self._take(chunk[start:stop])))
                start = stop
        self._keep(chunk[start:at])
        if at < len(chunk):
            partial = chunk[at:]
            self._keep(partial)
            self._line.append(partial)
        return events

    def end(self) -> list[Event]:
        if self._head:  # a stream of part of a BOM
            self._keep(self._head)
        self._head, self._skip_lf = None, False
        if self._line:
            line = b"".join(self._line)
            self._line = []
            self._field(line)
        return [self._dispatch(self._take(b""))] if self._pieces else []

    def keepalive(self) -> bytes:
        return b":\n\n"

    def encode(self, data: Any, name: str | None = None) -> bytes:
        return encode_event(data, name)

    def closer(self, sent: bytes) -> bytes:
        ends = _line_ends(sent)
        if not sent or ends >= 2:
            return b""
        if sent.endswith(b"\r"):  # an LF would join that CR as one line end
            return b"\r\n"
        return b"\n" * (2 - ends)

    def _settle_bom(self, chunk: bytes) -> bytes:
        """The bytes to parse: a BOM the stream opens with goes to ``raw`` only. A BOM may
        come split across chunks, so the first bytes wait until they tell."""
        head = (self._head or b"") + chunk
        if len(head) < len(_BOM) and _BOM.startswith(head):
            self._head = head
            return b""
        self._head = None
        if head.startswith(_BOM):
            self._keep(_BOM)
            return head[len(_BOM):]
        return head

    def _field(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace")
        if text.startswith(":"):
            return
        field, _, value = text.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            self._data.append(value)
        elif field == "event":
            self._name = value or None  # an empty type is the default ("message") too
        elif field == "id" and "\0" not in value:
            self._id = self.last_id = value
        elif field == "retry" and value.isascii() and value.isdigit():
            try:
                self._retry = int(value)
            except ValueError:  # more digits than Python converts: no sane delay anyway
                return
        else:
            return
        self._fields = True

    def _dispatch(self, raw: bytes) -> Event:
        event = Event(self._name, "\n".join(self._data), raw, self._id, self._retry,
                      comment=not self._fields)
        self._reset()
        return event


class NDJSON(Framing):
    """One JSON value a line (``application/x-ndjson``: Ollama's streams). Lines end with LF
    (a CR before it is whitespace); blank lines come as comment events, kept in order."""

    def feed(self, chunk: bytes) -> list[Event]:
        events: list[Event] = []
        at = 0
        while (stop := chunk.find(b"\n", at)) >= 0:
            events.append(_json_line(self._take(chunk[at:stop + 1])))
            at = stop + 1
        self._keep(chunk[at:])
        return events

    def end(self) -> list[Event]:
        return [_json_line(self._take(b""))] if self._pieces else []

    def keepalive(self) -> bytes:
        return b"\n"

    def encode(self, data: Any, name: str | None = None) -> bytes:
        return f"{_text(data)}\n".encode()

    def closer(self, sent: bytes) -> bytes:
        return b"\n" if sent and not sent.endswith(b"\n") else b""


def _json_line(raw: bytes) -> Event:
    data = raw.decode("utf-8", "replace").strip()
    return Event(None, data, raw, comment=not data)


def _line_ends(sent: bytes) -> int:
    """How many line ends (up to two) ``sent`` ends with: two make a blank line."""
    tail, count = sent[-4:], 0
    while count < 2:
        if tail.endswith(b"\r\n"):
            tail = tail[:-2]
        elif tail.endswith((b"\r", b"\n")):
            tail = tail[:-1]
        else:
            break
        count += 1
    return count


def _text(data: Any) -> str:
    return data if isinstance(data, str) else json.dumps(data, ensure_ascii=False,
                                                         separators=(",", ":"))


def encode_event(data: Any, name: str | None = None) -> bytes:
    """An SSE event with ``data`` as compact JSON (or as is, for a string): a ``data:`` line
    for each of its lines, since a line end inside one would start a field of its own."""
    head = f"event: {name}\n" if name else ""
    lines = "".join(f"data: {line}\n" for line in _TEXT_LINE_END.split(_text(data)))
    return f"{head}{lines}\n".encode()


_SSE_FIELD = re.compile(r"(?m)^data:")


def sniffed(text: str) -> Framing | None:
    """The framing a whole answer of text is written in although its content type did not
    say so: SSE when it has ``data:`` lines (a client that streams reads it as events), NDJSON
    when every line holds JSON. Checked as one text, a value split across events would pass."""
    if _SSE_FIELD.search(text) is not None:
        return SSE()
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) > 1 and all(_holds_json(line) for line in lines):
        return NDJSON()
    return None


def _holds_json(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False
