"""Streamed OpenAI Chat Completions and legacy Completions: every text a chunk carries.

A chat chunk's choice carries text in more places than ``delta.content``: ``refusal``, the
reasoning text gateways add (``reasoning_content``, ``reasoning``), ``audio.transcript``, and
call arguments (``tool_calls[].function.arguments``, the legacy ``function_call``), JSON text
streamed in pieces. Each is a channel of its own per choice, held back and checked like the
content (the JSON ones restore pseudonyms escaped), and what a channel still holds when its
choice finishes goes out in that last chunk, in its own field. A call's ``name`` arrives whole
with the call's id and is checked whole, so the call still opens in its first chunk. Any
other string of a chunk, choice, delta or call (a gateway's additions, a field OpenAI adds
next) is checked whole where it is: nothing streams past the checks unread. Log probabilities
are skipped, as in JSON answers (``ANSWER_SKIP``); audio ``data`` is base64 and stays as is.
"""

from __future__ import annotations

from typing import Any

from guard.dialects.base import Key, StreamState
from guard.dialects.events import Event
from guard.dialects.streaming import scan_whole, whole_event

_STREAMED = ("content", "refusal", "reasoning_content", "reasoning")
"""Delta fields that stream text piece by piece (``text`` for completions is ``content``)."""
_HELD = frozenset({*_STREAMED, "transcript", "function", "tool"})
"""Tags of the channels that hold text back; every other channel is checked whole."""
_CHUNK_READ = frozenset({"choices", "usage", "error"})
_CHOICE_READ = frozenset({"index", "delta", "text", "finish_reason", "logprobs"})
_CALL_READ = frozenset({"index", "function"})
_FUNCTION_READ = frozenset({"name", "arguments"})


async def chat_event(s: StreamState, event: Event, completions: bool = False) -> bytes:
    """One chunk of a streamed chat or completions answer."""
    data = event.json()
    if event.data.strip() == "[DONE]":
        out = await flush_all(s, completions)
        return out + (await s.close() or event.raw) if out is not None else s.error_event()
    if not isinstance(data, dict):
        return event.raw
    if "error" in data and not data.get("choices"):  # the SDK raises here: held text first
        out = await flush_all(s, completions)
        return s.error_event() if out is None else out + event.raw
    if isinstance(data.get("usage"), dict):
        s.usage = data["usage"]
        if s.strip_usage:
            if not data.get("choices"):
                return b""
            data.pop("usage")
    choices = data.get("choices")
    if not isinstance(choices, list):  # not a chunk: an event of a kind unknown here
        return await whole_event(s, event, data, ("event",), _CHUNK_READ)
    for choice in choices:
        if isinstance(choice, dict) and not await _choice(s, choice, completions):
            return s.error_event()
    if await scan_whole(s, data, ("chunk",), known=_CHUNK_READ) is None:
        return s.error_event()
    return s.emit(data, event.name)


async def _choice(s: StreamState, choice: dict[str, Any], completions: bool) -> bool:
    index = choice.get("index", 0)
    final = choice.get("finish_reason") is not None
    if final:
        s.finish_reason = str(choice["finish_reason"])
    delta = choice.get("delta")
    if isinstance(delta, dict):
        if not await _delta(s, delta, index):
            return False
    elif not await _stream(s, choice, "text", ("content", index)):
        return False
    if await scan_whole(s, choice, ("choice", index), known=_CHOICE_READ) is None:
        return False
    if not final:
        return True
    rests = await _rests(s, index)
    if rests is None:
        return False
    if rests:
        holder = _holder(choice, completions)
        for key, rest in rests:
            _put_rest(holder, key, rest, "text" if holder is choice else "content")
    return True


async def _stream(s: StreamState, holder: dict[str, Any], field: str, key: Key,
                  json_string: bool = False) -> bool:
    """``holder[field]``, when a string, through its channel (``False``: a check denied)."""
    piece = holder.get(field)
    if not isinstance(piece, str):
        return True
    released = await s.text(key, piece, json_string)
    if released is None:
        return False
    holder[field] = released
    return True


async def _delta(s: StreamState, delta: dict[str, Any], index: Any) -> bool:
    read = {"role"}
    for field in _STREAMED:
        if isinstance(delta.get(field), str):
            read.add(field)
            if not await _stream(s, delta, field, (field, index)):
                return False
    audio = delta.get("audio")
    if isinstance(audio, dict):  # the transcript streams; ``data`` is base64 sound
        read.add("audio")
        if not await _stream(s, audio, "transcript", ("transcript", index)) or \
                await scan_whole(s, audio, ("audio", index), known={"transcript"}) is None:
            return False
    function = delta.get("function_call")
    if isinstance(function, dict):
        read.add("function_call")
        if not await _function(s, function, ("function", index)):
            return False
    calls = delta.get("tool_calls")
    if isinstance(calls, list):
        read.add("tool_calls")
        for call in calls:
            if isinstance(call, dict) and not await _call(s, call, index):
                return False
    return await scan_whole(s, delta, ("delta", index), known=read) is not None


async def _call(s: StreamState, call: dict[str, Any], index: Any) -> bool:
    key = ("tool", index, call.get("index", 0))
    function = call.get("function")
    if isinstance(function, dict) and not await _function(s, function, key):
        return False
    read = _CALL_READ if isinstance(function, dict) else {"index"}
    return await scan_whole(s, call, ("call", *key), known=read) is not None


async def _function(s: StreamState, function: dict[str, Any], key: Key) -> bool:
    """A call's ``name`` checked whole (it comes whole, with the call's id), its
    ``arguments`` streamed as JSON text, anything else checked whole."""
    name = function.get("name")
    if isinstance(name, str) and name:
        released = await s.text(("name", *key), name, final=True)
        if released is None:
            return False
        function["name"] = released
    if not await _stream(s, function, "arguments", key, json_string=True):
        return False
    return await scan_whole(s, function, ("fn", *key), known=_FUNCTION_READ) is not None


async def _rests(s: StreamState, index: Any) -> list[tuple[Key, str]] | None:
    """What the held channels of choice ``index`` still hold (``None``: a check denied)."""
    rests: list[tuple[Key, str]] = []
    for key in [k for k in s.channel_keys() if k[0] in _HELD and k[1] == index]:
        rest = await s.flush(key)
        if rest is None:
            return None
        if rest:
            rests.append((key, rest))
    return rests


def _holder(choice: dict[str, Any], completions: bool) -> dict[str, Any]:
    """Where a choice's text goes: its ``delta`` (chat), the choice itself (completions)."""
    delta = choice.get("delta")
    if isinstance(delta, dict):
        return delta
    if completions:
        return choice
    delta = choice["delta"] = {}
    return delta


def _put_rest(holder: dict[str, Any], key: Key, rest: str, content: str) -> None:
    """Append ``rest`` to the field of ``holder`` its channel streams in."""
    tag = key[0]
    if tag in _STREAMED:
        field = content if tag == "content" else tag
        holder[field] = _text(holder.get(field)) + rest
        return
    if tag == "transcript":
        holder, field = _child(holder, "audio"), "transcript"
    elif tag == "function":
        holder, field = _child(holder, "function_call"), "arguments"
    else:  # a tool call's arguments: into its entry in this chunk, or a new one
        calls = holder.get("tool_calls")
        if not isinstance(calls, list):
            calls = holder["tool_calls"] = []
        entry = next((c for c in calls if isinstance(c, dict) and c.get("index", 0) == key[2]
                      and isinstance(c.get("function"), dict)), None)
        if entry is None:
            entry = {"index": key[2], "function": {}}
            calls.append(entry)
        holder, field = entry["function"], "arguments"
    holder[field] = _text(holder.get(field)) + rest


def _child(holder: dict[str, Any], field: str) -> dict[str, Any]:
    child = holder.get(field)
    if not isinstance(child, dict):
        child = holder[field] = {}
    return child


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


async def flush_all(s: StreamState, completions: bool = False) -> bytes | None:
    """Text still held when the stream ends (no finish_reason came): one last chunk per
    choice, in the stream's own shape (a completions caller reads ``choices[].text``)."""
    out = b""
    for index in dict.fromkeys(k[1] for k in s.channel_keys() if k[0] in _HELD):
        rests = await _rests(s, index)
        if rests is None:
            return None
        if not rests:
            continue
        choice: dict[str, Any] = {"index": index, "finish_reason": None}
        holder = _holder(choice, completions)
        for key, rest in rests:
            _put_rest(holder, key, rest, "text" if holder is choice else "content")
        out += s.emit({"choices": [choice]})
    return out
