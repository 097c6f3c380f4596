"""Ollama's native API: ``/api/chat``, ``/api/generate``, ``/api/embed`` (``/api/embeddings``).

Chat messages are ``role`` and ``content`` with ``images`` (base64) and ``tool_calls`` whose
``arguments`` are a JSON object; ``generate`` takes a ``prompt``, a ``suffix``, a ``system``
prompt and a ``template``. The output cap is ``options.num_predict``, and ``options.stop``
is text. Unlike the other APIs, Ollama streams unless the body says ``"stream": false``,
as newline-delimited JSON; the last line (``"done": true``) carries the usage
(``prompt_eval_count``, ``eval_count``). Errors are ``{"error": "..."}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.dialects.base import Answer, Dialect, Endpoint, StreamState, put
from guard.dialects.events import Event
from guard.dialects.paths import RequestPath
from guard.dialects.streaming import WHOLE_SKIP, scan_whole
from guard.envelope.model import Pointer
from guard.envelope.walk import NO_SKIP, STRUCTURAL_SKIP, Collector

_SKIP = STRUCTURAL_SKIP | {"images", "context", "keep_alive", "think", "done_reason"}
_WHOLE = WHOLE_SKIP | _SKIP
_STRUCTURAL = frozenset({"model", "stream", "keep_alive", "think", "raw", "context",
                         "images", "truncate", "dimensions", "logprobs", "top_logprobs"})
_OPERATIONS = {"chat": "generate", "generate": "generate", "embed": "embed",
               "embeddings": "embed"}
_USAGE = ("prompt_eval_count", "eval_count")


class Ollama(Dialect):
    """Ollama ``/api/chat``, ``/api/generate`` and embeddings."""

    name = "ollama.chat"
    family = "ollama"
    conversational = True
    default_path = "/api/chat"

    def endpoint(self, path: RequestPath) -> Endpoint | None:
        segments = path.segments
        if len(segments) >= 2 and segments[-2] == "api" and segments[-1] in _OPERATIONS:
            return Endpoint(DIALECTS[segments[-1]], operation=_OPERATIONS[segments[-1]])
        return None

    def read(self, c: Collector, body: Mapping[str, Any], endpoint: Endpoint) -> None:
        for key, value in body.items():
            if key == "messages" and isinstance(value, list):
                for i, message in enumerate(value):
                    c.begin_message()
                    c.end_message(_read_message(c, message, (key, i)))
            elif key in ("prompt", "input", "suffix"):
                role = "input" if key == "input" else "user"
                _texts(c, value, (key,), role)
            elif key == "system":
                c.system(value, key, skip=_SKIP)
            elif key == "format" and isinstance(value, str):
                continue  # "json": an enum; a JSON schema given here is read as text
            elif key not in _STRUCTURAL:
                c.walk(value, (key,), "other", "other", _SKIP)

    def max_tokens(self, body: Mapping[str, Any]) -> int | None:
        options = body.get("options")
        value = options.get("num_predict") if isinstance(options, dict) else None
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
            else None

    def streamed(self, body: Mapping[str, Any], endpoint: Endpoint, query: str) -> bool:
        return endpoint.operation == "generate" and body.get("stream") is not False

    def read_answer(self, c: Collector, body: Any) -> Answer:
        if not isinstance(body, dict):
            return super().read_answer(c, body)
        for key, value in body.items():
            if key == "message":
                _read_message(c, value, (key,))
            elif key in ("response", "thinking"):
                c.add((key,), value, "assistant", "message")
        return Answer(_str(body.get("done_reason")), _usage(body))

    async def on_event(self, s: StreamState, event: Event) -> bytes:
        data = event.json()
        if not isinstance(data, dict):
            return event.raw
        if "error" in data:  # the stream ends here: the text still held goes out first
            held = await self._held(s)
            return s.error_event() if held is None else held + event.raw
        for holder, field, key in _pieces(data):
            released = await s.text(key, holder[field], final=data.get("done") is True)
            if released is None:
                return s.error_event()
            holder[field] = released
        if not await _calls(s, data) or not await _extra(s, data):
            return s.error_event()
        if data.get("done") is True:
            s.usage, s.finish_reason = _usage(data), _str(data.get("done_reason"))
            rest = await _rest(s, data)
            if rest is None:
                return s.error_event()
            denied = await s.close()
            if denied is not None:  # clients stop at "done": its text goes out, not its end
                data["done"] = False
                data.pop("done_reason", None)
                return s.emit(data) + denied
            return s.emit(data)
        return s.emit(data)

    async def on_end(self, s: StreamState) -> bytes:
        held = await self._held(s)
        return s.error_event() if held is None else held

    async def _held(self, s: StreamState) -> bytes | None:
        """The stream ended (or failed) without its ``done`` line: the text still held goes
        out in one more line of the stream's own shape (``message`` for chat, top-level for
        generate); ``None``: a check denied it."""
        rest: dict[str, Any] = {}
        for key in s.channel_keys():
            text = await s.flush(key)
            if text is None:
                return None
            if text and key[0] in ("content", "response", "thinking"):
                rest[key[0]] = text
        if not rest:
            return b""
        if self.conversational:
            return s.emit({"message": {"role": "assistant", **rest}, "done": False})
        return s.emit({**rest, "done": False})


class Generate(Ollama):
    name = "ollama.generate"
    conversational = False
    default_path = "/api/generate"


class Embed(Ollama):
    name = "ollama.embed"
    conversational = False
    default_path = "/api/embed"


DIALECTS: dict[str, Ollama] = {}
DIALECTS.update(chat=Ollama(), generate=Generate(), embed=Embed())
DIALECTS["embeddings"] = DIALECTS["embed"]  # one API, one dialect: ``request.api`` names it


def _read_message(c: Collector, message: Any, pointer: Pointer) -> str:
    if not isinstance(message, dict):
        c.walk(message, pointer, "unknown", "message", _SKIP)
        return "unknown"
    given = message.get("role")
    role = given if isinstance(given, str) else "unknown"
    kind = "tool_result" if role == "tool" else "message"
    for key, value in message.items():
        if key == "content":
            c.walk(value, (*pointer, key), role, kind, _SKIP)
        elif key == "tool_calls":
            _read_calls(c, value, (*pointer, key), role)
        elif key not in _SKIP:
            c.walk(value, (*pointer, key), role, "other", _SKIP)
    return role


def _read_calls(c: Collector, calls: Any, pointer: Pointer, role: str) -> None:
    """Each call's ``function.arguments`` (a JSON object: data, every leaf) once, and the rest
    of the call (its name) as text: reading the arguments twice would give two segments at
    one pointer, whose edits collide."""
    if not isinstance(calls, list):
        c.walk(calls, pointer, role, "tool_arguments", _SKIP)
        return
    for i, call in enumerate(calls):
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            c.walk(call, (*pointer, i), role, "tool_arguments", _SKIP)
            continue
        for key, value in call.items():
            if key != "function" and key not in _SKIP:
                c.walk(value, (*pointer, i, key), role, "tool_arguments", _SKIP)
        for key, value in function.items():
            if key not in _SKIP:
                c.walk(value, (*pointer, i, "function", key), role, "tool_arguments",
                       NO_SKIP if key == "arguments" else _SKIP)


def _texts(c: Collector, value: Any, pointer: Pointer, role: str) -> None:
    if isinstance(value, list):
        for i, item in enumerate(value):
            c.begin_message()
            c.walk(item, (*pointer, i), role, "message", _SKIP)
            c.end_message(role)
    else:
        c.begin_message()
        c.walk(value, pointer, role, "message", _SKIP)
        c.end_message(role)


def _pieces(data: dict[str, Any]) -> list[tuple[dict[str, Any], str, tuple[str, ...]]]:
    """The text pieces of one streamed line: (holder, field, channel key)."""
    found: list[tuple[dict[str, Any], str, tuple[str, ...]]] = []
    message = data.get("message")
    for holder in (message if isinstance(message, dict) else None, data):
        if holder is None:
            continue
        for field in ("content", "response", "thinking"):
            if isinstance(holder.get(field), str) and holder[field]:
                found.append((holder, field, (field,)))
    return found


async def _calls(s: StreamState, data: dict[str, Any]) -> bool:
    """Tool calls arrive whole in one line: every string of their arguments checked at once."""
    message = data.get("message")
    calls = message.get("tool_calls") if isinstance(message, dict) else None
    if not isinstance(calls, list):
        return True
    c = Collector()
    c.walk(calls, (), "assistant", "tool_arguments", NO_SKIP)
    for segment in c.segments:
        released = await s.text(("call", *segment.pointer), segment.text, final=True)
        if released is None:
            return False
        put(calls, segment.pointer, released)
    return True


_LINE_READ = frozenset({"message", "response", "thinking", "context", "images"})
_MESSAGE_READ = frozenset({"content", "thinking", "tool_calls", "images"})


async def _extra(s: StreamState, data: dict[str, Any]) -> bool:
    """Any other string of a line or its message (a field Ollama adds next, a remote
    host's) checked whole; images are base64, ``context`` token ids, logprobs skipped."""
    message = data.get("message")
    if isinstance(message, dict) and await scan_whole(s, message, ("message",), _WHOLE,
                                                      _MESSAGE_READ) is None:
        return False
    return await scan_whole(s, data, ("line",), _WHOLE, _LINE_READ) is not None


async def _rest(s: StreamState, data: dict[str, Any]) -> bool | None:
    """Text still held goes out in the last line."""
    message = data.get("message")
    holder: dict[str, Any] = message if isinstance(message, dict) else data
    for key in s.channel_keys():
        rest = await s.flush(key)
        if rest is None:
            return None
        if rest:
            holder[key[0]] = str(holder.get(key[0]) or "") + rest
    return True


def _usage(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in _USAGE if isinstance(body.get(k), int)}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None

