"""Finding the strings of a JSON value, and collecting them as segments.

Every per-API reader ends up here for the parts it does not understand in
detail, which is how "no shape is guarded partially" holds: an unknown part
of a known shape is still walked and its strings still become segments.

The walk refuses bodies nested deeper than :data:`MAX_DEPTH` with
RequestError: real LLM requests stay far below it, and a segment's pointer is
as long as its depth, so an unbounded depth would let a 4 MiB body cost
gigabytes of pointers. Refusing (fail closed) is preferred to scanning part of
the body. The cap also bounds the walk's recursion well under Python's limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from guard.envelope.model import Message, Pointer, Segment
from guard.envelope.strict import loads_strict
from guard.errors import RequestError

MAX_DEPTH = 64
"""Deepest nesting walked; deeper bodies are refused with RequestError."""

STRUCTURAL_SKIP = frozenset(
    {
        "type", "id", "role", "object", "model", "status", "index",
        "call_id", "tool_call_id", "tool_use_id", "approval_request_id",
        "container_id", "server_label", "file_id", "file_data",
        "detail", "media_type", "mime_type", "mimeType", "voice",
        "encrypted_content", "signature", "thought_signature", "thoughtSignature",
        "cache_control", "authorization_token", "authorization", "headers",
    }
)  # fmt: skip
"""Keys of known shapes whose values are identifiers, enums, binary or the caller's own
credentials for a tool server, not text.

Used inside messages, content parts and settings, where the key names are the API's own
(docs/policies.md lists them). ``format`` is skipped only when it is a string (an enum):
Responses' ``text.format`` is an object holding a schema whose descriptions the model reads.
``data`` is handled apart (see :func:`_skip_data`). Never used for user data (Opper
``input``, tool arguments), where a key like ``type`` holds real text. ``name`` is text: a
message's or a tool's name is shown to the model.
"""

NO_SKIP: frozenset[str] = frozenset()
"""For user data: every string leaf is text."""

_BASE64 = re.compile(r"[A-Za-z0-9+/=_\-\r\n]+")
_BINARY_MIN = 1024


def looks_binary(text: str) -> bool:
    """True for a base64 data: URL or a long base64 blob: a payload, not text.

    Scanning base64 as text finds nonsense and redacting inside it corrupts
    the file, so such strings are not segments. Prose of 1 KiB always holds a
    space or punctuation outside the base64 alphabet. A data: URL counts only when
    all of its payload is base64: ``data:x;base64,AAAA jane@example.com`` is text.
    """
    if text.startswith("data:"):
        head, comma, _ = text[:256].partition(",")
        return (bool(comma) and head.endswith(";base64")
                and _BASE64.fullmatch(text, len(head) + 1) is not None)
    return len(text) >= _BINARY_MIN and _BASE64.fullmatch(text) is not None


def _skip_data(node: dict[Any, Any]) -> bool:
    """A ``data`` string is base64 (images, audio, PDFs) unless the block says it is text
    (a ``data`` list or object, as in OpenAI's answers, is walked).

    Anthropic's plain-text document source is ``{"type": "text", "data": ...}``.
    """
    media = node.get("media_type")
    return node.get("type") != "text" and not (isinstance(media, str) and media.startswith("text/"))


def is_text(value: str) -> bool:
    """A non-empty string that does not look like a binary payload."""
    if len(value) < _BINARY_MIN and value[:5] != "data:":
        return bool(value)
    return not looks_binary(value)


def _collect(
    node: dict[Any, Any] | list[Any],
    path: Pointer,
    skip: frozenset[str],
    budget: int,
    out: list[Segment],
    role: str,
    kind: str,
    outer: Pointer | None,
) -> None:
    """Append a segment for every text string under ``node``, in document order.

    ``data`` of binary parts is skipped in an API's shapes (any ``skip`` set but
    :data:`NO_SKIP`), never in user data. ``path`` is where ``node`` is: in the body, or,
    when ``outer`` is the
    pointer of a JSON string, inside that string's decoded value (then it is
    the segments' ``inner``). ``budget`` counts the levels left before
    :data:`MAX_DEPTH`. Recursive on purpose: it is the fastest walk in
    CPython, and the budget bounds the recursion far below the interpreter's
    limit. Segments are built here directly; this is the hot loop of parsing.
    """
    if budget < 0:
        if node:
            raise RequestError(f"request body is nested deeper than {MAX_DEPTH} levels")
        return
    items: Any
    if isinstance(node, dict):
        items = node.items()
        if skip is not NO_SKIP and isinstance(node.get("data"), str) and _skip_data(node):
            items = [(k, v) for k, v in items if k != "data"]
    else:
        items = enumerate(node)
    for key, child in items:
        if key in skip:
            continue
        if isinstance(child, str):
            if key == "format" and skip is not NO_SKIP:
                continue  # an enum ("wav", "json"); a ``format`` object is a schema: walked
            if child and ((len(child) < _BINARY_MIN and child[:5] != "data:") or is_text(child)):
                where = (*path, key)
                if outer is None:
                    out.append(Segment(where, None, child, role, kind))
                else:
                    out.append(Segment(outer, where, child, role, kind))
        elif isinstance(child, dict | list):
            _collect(child, (*path, key), skip, budget - 1, out, role, kind, outer)


class Collector:
    """Accumulates segments and messages while one body is read."""

    __slots__ = ("_start", "messages", "segments")

    def __init__(self) -> None:
        self.segments: list[Segment] = []
        self.messages: list[Message] = []
        self._start = 0

    def add(self, pointer: Pointer, text: Any, role: str, kind: str) -> None:
        """Add ``text`` at ``pointer`` if it is a non-empty, non-binary string."""
        if isinstance(text, str) and is_text(text):
            self.segments.append(Segment(pointer, None, text, role, kind))

    def walk(
        self, value: Any, pointer: Pointer, role: str, kind: str, skip: frozenset[str]
    ) -> None:
        """Add every string leaf under ``value`` (strings directly, containers walked)."""
        if isinstance(value, str):
            self.add(pointer, value, role, kind)
        elif isinstance(value, dict | list):
            budget = MAX_DEPTH - len(pointer)
            _collect(value, pointer, skip, budget, self.segments, role, kind, None)

    def add_json_string(self, pointer: Pointer, text: Any, role: str, kind: str) -> None:
        """Add a string that holds JSON (tool-call arguments) leaf by leaf.

        Each leaf keeps ``pointer`` to the string and ``inner`` into the decoded
        value, so edits re-encode valid JSON. A string that is not valid JSON
        is one plain segment: its text is still scanned.
        """
        if not isinstance(text, str):
            self.walk(text, pointer, role, kind, NO_SKIP)
            return
        try:
            decoded = loads_strict(text)
        except (ValueError, RecursionError):
            self.add(pointer, text, role, kind)
            return
        if isinstance(decoded, str):  # arguments that are a JSON string: inner is ()
            if is_text(decoded):
                self.segments.append(Segment(pointer, (), decoded, role, kind))
        elif isinstance(decoded, dict | list):
            budget = MAX_DEPTH - len(pointer)
            _collect(decoded, (), NO_SKIP, budget, self.segments, role, kind, pointer)

    def adopt(self, inner: Collector, prefix: Pointer) -> None:
        """Take ``inner``'s segments and messages, read from a value found at ``prefix``
        (a request inside a request: a batch entry, a wrapped count request)."""
        self.segments.extend(Segment((*prefix, *s.pointer), s.inner, s.text, s.role, s.kind)
                             for s in inner.segments)
        self.messages.extend(inner.messages)

    def system(self, value: Any, key: str, kind: str = "system",
               skip: frozenset[str] = STRUCTURAL_SKIP) -> None:
        """A system prompt field (``system``, ``instructions``, ``systemInstruction``): one
        message of role ``system``, whatever its shape (a string, text blocks, parts)."""
        if value is None:
            return
        self.begin_message()
        self.walk(value, (key,), "system", kind, skip)
        self.end_message("system")

    def begin_message(self) -> None:
        """Mark where the next message's segments start."""
        self._start = len(self.segments)

    def end_message(self, role: str) -> None:
        """Close the message begun last: its text is its segments joined by newlines."""
        segments, start = self.segments, self._start
        if len(segments) == start + 1:
            text = segments[start].text
        else:
            text = "\n".join([segment.text for segment in segments[start:]])
        self.messages.append(Message(role, text))


ROLE_OTHER = "other"
"""Role of text outside any message (unknown top-level fields)."""

ROLE_UNKNOWN = "unknown"
"""Role of a message whose ``role`` is missing or not a string."""

Handler = Callable[[Collector, Any], None]
"""Reads one top-level field of a known shape into the collector."""


def read_fields(
    c: Collector, body: Mapping[str, Any], handlers: Mapping[str, Handler],
    structural: frozenset[str],
) -> None:
    """Read the top-level fields of a known shape, in body order.

    Fields with a handler are read by it; ``structural`` fields (model, sampling
    numbers, enums, ids) are settings, not text; every other field is walked as
    text: the user, metadata, stop sequences, tool descriptions, schemas, and any
    field unknown to us, never silently dropped.
    """
    for key, value in body.items():
        handler = handlers.get(key)
        if handler is not None:
            handler(c, value)
        elif key not in structural:
            c.walk(value, (key,), ROLE_OTHER, "other", STRUCTURAL_SKIP)
