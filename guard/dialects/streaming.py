"""What the dialects' stream handlers share: flushing what channels still hold, and
checking text that arrives whole.

Text that streams (a delta after a delta) goes through a channel with hold-back; text that
arrives whole (a tool call, a tool's result, a copy of text that never streamed, an event a
dialect does not know) has nothing to be held back for, but unchecked it would pass the
output policies and the pseudonym restore, so it is checked at once, each string on a
channel of its own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from guard.dialects.base import ANSWER_SKIP, Key, StreamState, put
from guard.dialects.events import Event
from guard.envelope.model import Pointer, Segment
from guard.envelope.walk import Collector


async def each_held(s: StreamState, held: Callable[[StreamState, Key],
                                                    Awaitable[bytes | None]],
                    keys: Iterable[Key] | None = None) -> bytes | None:
    """``held(s, key)`` for every channel (or ``keys``): the events carrying what they still
    hold, one after another; ``None`` as soon as a check denies one."""
    out = b""
    for key in list(s.channel_keys() if keys is None else keys):
        extra = await held(s, key)
        if extra is None:
            return None
        out += extra
    return out


OPAQUE = frozenset({
    "obfuscation", "b64_json", "partial_image_b64", "encrypted_index", "event_id",
    "interaction_id", "continuation_token", "expires_at", "native_finish_reason", "span_id",
    "trace_uuid",
})  # fmt: skip
"""Opaque values in answers and events (OpenAI's random padding, base64 images, encrypted
citation indexes, ids, resume tokens, dates): never text, and an edit would break them."""

WHOLE_SKIP = ANSWER_SKIP | OPAQUE


def segments(data: Any, skip: frozenset[str] = WHOLE_SKIP,
             known: Iterable[Any] = ()) -> list[Segment]:
    """The texts of ``data`` (an event or a part of one) but its top-level ``known`` fields
    (those a dialect streams itself). Skipped fields stay in view: the walk tells by a block's
    ``type`` whether its ``data`` is base64."""
    if isinstance(data, dict):
        known = frozenset(known)
        if not any(v and isinstance(v, str | dict | list) and k not in skip and k not in known
                   for k, v in data.items()):
            return []  # the common event: nothing but what is streamed and bookkeeping
        data = {k: v for k, v in data.items() if k not in known or k in skip}
    c = Collector()
    c.walk(data, (), "assistant", "message", skip)
    return c.segments


async def check_whole(s: StreamState, data: Any, found: Iterable[Segment],
                      key: Key) -> bool | None:
    """Check each text ``found`` in ``data`` whole (a channel each: ``key`` plus its pointer)
    and write back what is released: ``None`` if a check denied, else whether any changed
    (an event nothing changed in is forwarded byte for byte).

    Text that arrives whole (a call, a tool's result, a copy of text that never streamed, an
    event a dialect does not know) has nothing to be held back for, and unchecked it would
    pass the output policies and the pseudonym restore. A segment inside a JSON string is
    checked as that raw string, once, as streamed arguments are: edits stay valid JSON."""
    changed, strings = False, set[Pointer]()
    for segment in found:
        text, json_string = segment.text, segment.inner is not None
        if json_string:
            raw = get(data, segment.pointer)
            if segment.pointer in strings or not isinstance(raw, str):
                continue
            strings.add(segment.pointer)
            text = raw
        released = await s.text((*key, *segment.pointer), text, json_string, final=True)
        if released is None:
            return None
        if released != text:
            put(data, segment.pointer, released)
            changed = True
    return changed


async def scan_whole(s: StreamState, data: Any, key: Key, skip: frozenset[str] = WHOLE_SKIP,
                     known: Iterable[Any] = ()) -> bool | None:
    """Every string of ``data`` (a dict or list) but its ``known`` fields, checked whole
    (:func:`check_whole`): what a dialect has no stream for (an unknown event type, the extra
    fields of a known one) still reaches the caller only through the checks."""
    return await check_whole(s, data, segments(data, skip, known), key)


async def whole_event(s: StreamState, event: Event, data: Any, key: Key,
                      known: Iterable[Any] = (), skip: frozenset[str] = WHOLE_SKIP) -> bytes:
    """``event`` with its strings checked whole: as it came if nothing changed, re-encoded if
    something did, the API's error event if a check denied."""
    changed = await scan_whole(s, data, key, skip, known)
    if changed is None:
        return s.error_event()
    return s.emit(data, event.name) if changed else event.raw


def get(node: Any, pointer: Pointer) -> Any:
    for key in pointer:
        node = node[key]
    return node
