"""Streamed OpenAI Responses and OpenResponses: every text an event carries, checked first.

Text streams as ``response.<stream>.delta`` events (output text, refusals, reasoning text and
summaries, function, MCP and custom tool call input, code interpreter code, shell commands
and their output, the audio transcript, and any ``*.delta`` OpenAI adds next), one channel
per place (output item, and content, summary or command index), and each ``.done`` repeats
the whole text. The text is repeated again in copies: ``response.content_part.*``,
``response.output_item.*`` and the response snapshots (``response.created``,
``in_progress``, ``completed``...). What a channel still holds goes out as one more delta,
copied from the channel's own events, before its ``.done`` (or the stream's end); copies
take the text as released. A ``.done`` or copy whose text never streamed (an upstream that
sends items whole) is checked whole under the key its stream would have had, so later
copies take that result. Every other string of every event (an annotation, a search's
query, a tool's output, an event type this module does not know) is checked whole where it
is. The request echoed in a snapshot (``instructions``, ``tools``, ``metadata``) is the
caller's own, not the model's, and is left as it came; so are opaque payloads (audio
deltas, images, encrypted reasoning, signatures).
"""

from __future__ import annotations

from typing import Any

from guard.dialects.base import Key, StreamState, put
from guard.dialects.events import Event
from guard.dialects.streaming import check_whole, scan_whole, segments, whole_event
from guard.envelope.model import Pointer, Segment

BOOKKEEPING = frozenset({"id", "object", "created_at", "completed_at", "model", "status",
                         "usage", "tool_choice", "parallel_tool_calls", "service_tier",
                         "temperature", "top_p", "truncation", "store", "background",
                         "previous_response_id", "max_output_tokens", "reasoning",
                         "include", "tools", "text", "instructions", "metadata", "user"})
"""Echoes of the request and bookkeeping in a response: what the model wrote is ``output``."""
_ECHOES = BOOKKEEPING | {
    "output", "conversation", "prompt", "prompt_cache_key", "prompt_cache_options",
    "prompt_cache_retention", "prompt_cache_diagnostics", "safety_identifier", "image",
    "max_tool_calls", "top_logprobs", "tool_usage",
}  # fmt: skip
"""What a stream's snapshots (sent two or three times) leave unread: bookkeeping, the
request's echoes and the output (read item by item)."""

_STREAMS: dict[str, tuple[str | None, str | None, bool]] = {
    "response.output_text": ("content_index", "text", False),
    "response.refusal": ("content_index", "refusal", False),
    "response.reasoning_text": ("content_index", "text", False),
    "response.reasoning": ("content_index", "text", False),  # OpenResponses' name for it
    "response.reasoning_summary_text": ("summary_index", "text", False),
    "response.function_call_arguments": (None, "arguments", True),
    "response.mcp_call_arguments": (None, "arguments", True),
    "response.custom_tool_call_input": (None, "input", False),
    "response.code_interpreter_call_code": (None, "code", False),
    "response.shell_call_command": ("command_index", "command", False),
    "response.shell_call_output_content": ("command_index", None, False),
    "response.audio.transcript": (None, None, False),
}
"""Each known stream: its events' prefix -> (the index below the output item, the field of
its ``.done`` that repeats the text, whether the text is JSON). Refusals, reasoning and
tool input are the model's text as much as the answer is: none streams past the checks."""
_SUBS = ("content_index", "summary_index", "command_index")
_BINARY = frozenset({"response.audio.delta", "response.output_audio.delta"})
_SNAPSHOTS = frozenset({"response.created", "response.queued", "response.in_progress",
                        "response.completed", "response.incomplete", "response.failed"})
_CLOSING = frozenset({"response.completed", "response.incomplete"})
_PARTS = {"response.content_part.added": "content", "response.content_part.done": "content",
          "response.reasoning_summary_part.added": "summary",
          "response.reasoning_summary_part.done": "summary"}
_ITEMS = frozenset({"response.output_item.added", "response.output_item.done"})
_NOT_TEMPLATE = frozenset({"delta", "sequence_number", "obfuscation", "logprobs"})


async def responses_event(s: StreamState, event: Event) -> bytes:
    if event.data.strip() == "[DONE]":  # OpenResponses' end: text still held goes first
        out = await held(s)
        return s.error_event() if out is None else out + (await s.close() or event.raw)
    data = event.json()
    if not isinstance(data, dict):
        return event.raw
    kind = str(data.get("type", ""))
    prefix, _, suffix = kind.rpartition(".")
    if kind in _BINARY:
        return event.raw
    if kind == "error":  # the stream fails here: the text still held goes out first
        out = await held(s)
        return s.error_event() if out is None else out + event.raw
    if prefix and suffix == "delta" and "delta" in data:
        return await _delta(s, data, prefix, event)
    if prefix and suffix == "done" and (prefix in _STREAMS or _keys(s, prefix, data)):
        return await _done(s, data, prefix, event)
    if kind in _SNAPSHOTS:
        return await _snapshot(s, data, kind, event)
    final = kind.endswith(".done")
    if kind in _ITEMS and isinstance(data.get("item"), dict):
        changed = await _item(s, data["item"], data.get("output_index", 0), final)
    elif kind in _PARTS and isinstance(data.get("part"), dict):
        changed = await _part(s, data, _PARTS[kind], final)
    else:
        return await whole_event(s, event, data, ("event", kind))
    extra = await scan_whole(s, data, ("event", kind), known=("item", "part"))
    if changed is None or extra is None:
        return s.error_event()
    return s.emit(data, event.name) if changed or extra else event.raw


def _key(data: dict[str, Any], prefix: str) -> Key:
    """The channel of a delta or done event: its stream, output item and sub-index."""
    known = _STREAMS.get(prefix)
    sub = (known[0] if known else next((f for f in _SUBS if f in data), None))
    return (prefix, data.get("output_index", 0), data.get(sub, 0) if sub else None)


def _keys(s: StreamState, prefix: str, data: dict[str, Any]) -> list[Key]:
    """The channels a ``.done`` closes (a dict delta has one per field)."""
    key = _key(data, prefix)
    return [k for k in s.channel_keys() if k[:3] == key and k in s.templates]


async def _delta(s: StreamState, data: dict[str, Any], prefix: str, event: Event) -> bytes:
    """A piece of streamed text (a string, or a dict of strings: shell output's ``stdout``
    and ``stderr``), through its channel; the event is remembered as the template of the
    one that will carry what the channel still holds."""
    key, delta = _key(data, prefix), data["delta"]
    json_string = _STREAMS.get(prefix, (None, None, False))[2]
    template = ({k: v for k, v in data.items() if k not in _NOT_TEMPLATE}, event.name)
    if isinstance(delta, str):
        pieces: list[tuple[dict[str, Any], Any, Key]] = [(data, "delta", key)]
    elif isinstance(delta, dict):
        pieces = [(delta, f, (*key, f)) for f, v in delta.items() if isinstance(v, str)]
    else:
        return await whole_event(s, event, data, ("event", prefix))
    for holder, field, channel in pieces:
        s.templates.setdefault(channel, template)
        released = await s.text(channel, holder[field], json_string)
        if released is None:
            return s.error_event()
        holder[field] = released
    where = ("event", prefix, "delta", *key[1:])
    if isinstance(delta, dict) and await scan_whole(
            s, delta, (*where, "delta"), known=[f for _, f, _ in pieces]) is None:
        return s.error_event()
    if await scan_whole(s, data, where, known=("delta",)) is None:
        return s.error_event()
    return s.emit(data, event.name)


async def held(s: StreamState, keys: list[Key] | None = None) -> bytes | None:
    """The text the streamed channels (or ``keys``) still hold, one delta event each, of
    the shape of the channel's own events (``None``: a check denied)."""
    out = b""
    for key in s.channel_keys() if keys is None else keys:
        template = s.templates.get(key)
        if template is None:
            continue  # a text checked whole: nothing held
        rest = await s.flush(key)
        if rest is None:
            return None
        if rest:
            data = dict(template[0])
            data["delta"] = rest if len(key) == 3 else {key[3]: rest}
            out += s.emit(data, template[1])
    return out


async def _done(s: StreamState, data: dict[str, Any], prefix: str, event: Event) -> bytes:
    """A stream's end: what it holds goes out first, then its whole text as released (or,
    if it never streamed, checked whole now under the stream's own key)."""
    out = await held(s, _keys(s, prefix, data))
    if out is None:
        return s.error_event()
    _, field, json_string = _STREAMS.get(prefix, (None, None, False))
    read: tuple[str, ...] = ()
    if field is not None and isinstance(data.get(field), str):
        read, key = (field,), _key(data, prefix)
        if key in s.released:  # it streamed (or a copy was checked whole already)
            data[field] = s.released[key]
        else:
            released = await s.text(key, data[field], json_string, final=True)
            if released is None:
                return s.error_event()
            data[field] = released
    if await scan_whole(s, data, ("event", prefix, "done"), known=read) is None:
        return s.error_event()
    return out + s.emit(data, event.name)


async def _snapshot(s: StreamState, data: dict[str, Any], kind: str, event: Event) -> bytes:
    """The response as it stands; a closing one runs the whole-answer checks after the text
    still held went out."""
    final = kind in _CLOSING or kind == "response.failed"
    out = await held(s) if final else b""
    if out is None:
        return s.error_event()
    changed: bool | None = False
    response = data.get("response")
    if isinstance(response, dict):
        if isinstance(response.get("usage"), dict):
            s.usage = response["usage"]
        if isinstance(response.get("status"), str):
            s.finish_reason = response["status"]
        output = response.get("output")
        for i, item in enumerate(output if isinstance(output, list) else []):
            found = await _item(s, item, i, final) if isinstance(item, dict) else False
            if found is None:
                return s.error_event()
            changed = changed or found
        changed = await _or(changed, scan_whole(s, response, ("snapshot",), known=_ECHOES))
    changed = await _or(changed, scan_whole(s, data, ("event", kind), known=("response",)))
    if changed is None:
        return s.error_event()
    ending = await s.close() if kind in _CLOSING else None
    return out + (ending or (s.emit(data, event.name) if changed else event.raw))


async def _or(changed: bool | None, more: Any) -> bool | None:
    found = await more
    return None if found is None else bool(changed or found)


async def _item(s: StreamState, item: dict[str, Any], index: Any,
                final: bool) -> bool | None:
    """An output item: its texts as released where they streamed, else checked whole."""
    opaque = ("result",) if item.get("type") == "image_generation_call" else ()  # base64
    return await _copy(s, item, str(item.get("type")), index, segments(item, known=opaque),
                       final)


async def _part(s: StreamState, data: dict[str, Any], field: str,
                final: bool) -> bool | None:
    """A content or summary part, read at the place it has in its output item."""
    part, index = data["part"], data.get("output_index", 0)
    sub = data.get("summary_index" if field == "summary" else "content_index", 0)
    owner = "reasoning" if field == "summary" or part.get("type") == "reasoning_text" \
        else "message"
    return await _copy(s, part, owner, index, segments(part), final, (field, sub))


async def _copy(s: StreamState, node: dict[str, Any], owner: str, index: Any,
                found: list[Segment], final: bool, place: Pointer = ()) -> bool | None:
    """Texts of an output item (or of its part at ``place``): the released text of the
    stream that carried one, else checked whole. A final copy (``.done``, the closing
    snapshot) of text that never streamed is checked under its stream's key, so the copies
    after it take that result; an early one (``.added``, ``in_progress``) under a key of
    its own, as is text no stream carries (a query, an annotation, a tool's output)."""
    changed = False
    for segment in found:
        key = _stream_key(s, owner, index, (*place, *segment.pointer))
        if key is None or (key not in s.released and not final):
            checked = await check_whole(s, node, [segment], ("copy", index, *place))
        elif key in s.released:
            checked = s.released[key] != segment.text
            put(node, segment.pointer, s.released[key])
        else:
            released = await s.text(key, segment.text, _STREAMS[key[0]][2], final=True)
            checked = None if released is None else released != segment.text
            if released is not None:
                put(node, segment.pointer, released)
        if checked is None:
            return None
        changed = changed or checked
    return changed


def _stream_key(s: StreamState, owner: str, index: Any, pointer: Pointer) -> Key | None:
    """The channel a text of an output item streams in, by the item's type and the text's
    place in it; ``None`` for text no stream carries."""
    if len(pointer) == 3 and pointer[0] in ("content", "summary"):
        field, sub, leaf = pointer
        if owner == "message":
            prefix = _PART_STREAMS.get(leaf)
        elif owner == "reasoning" and leaf == "text" and field == "summary":
            prefix = "response.reasoning_summary_text"
        elif owner == "reasoning" and leaf == "text":
            spelled = ("response.reasoning", index, sub)  # OpenResponses' spelling
            prefix = spelled[0] if spelled in s.released else "response.reasoning_text"
        else:
            prefix = None
        return (prefix, index, sub) if prefix else None
    if owner == "shell_call" and len(pointer) == 3 and pointer[:2] == ("action", "commands"):
        return ("response.shell_call_command", index, pointer[2])
    prefix = _ITEM_STREAMS.get((owner, pointer))
    return (prefix, index, None) if prefix else None


_PART_STREAMS: dict[Any, str] = {"text": "response.output_text", "refusal": "response.refusal"}
_ITEM_STREAMS: dict[tuple[str, Pointer], str] = {
    ("function_call", ("arguments",)): "response.function_call_arguments",
    ("mcp_call", ("arguments",)): "response.mcp_call_arguments",
    ("custom_tool_call", ("input",)): "response.custom_tool_call_input",
    ("code_interpreter_call", ("code",)): "response.code_interpreter_call_code",
}
