"""Guard a streamed answer event by event: OpenAI chat and completions, Responses, Anthropic.

Every piece of answer text runs through a :class:`~guard.asgi.channel.Channel`
(output checks with a bounded hold-back, then pseudonym restore) and is written
back into the event it came in. Text still held when its block ends is sent in
an extra delta event of the API's own shape just before the end. A denial ends
the stream with the API's own error event (and, for OpenAI, no ``[DONE]``).
Usage is collected for budget settlement; the usage chunk guard asked for on
the caller's behalf (``stream_options.include_usage``) is dropped again.

Policies that judge a whole answer (``rule`` on ``response``, ``llm`` judges) run
once, when the stream's closing event arrives (``[DONE]``, ``message_stop``,
``response.completed``) or the stream ends without one: over the answer as the
text checks left it (pseudonyms not yet restored, as for JSON answers), with the
stream's usage and finish reason. The text has been sent by then, so they cannot
edit it; a denial replaces the closing event with the API's error event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from guard.asgi.channel import Channel, Released, Scan
from guard.asgi.sse import Event, EventParser, encode_event
from guard.engine.run import Denial
from guard.pii.pseudonyms import Pseudonyms
from guard.responses import error_body

Key = tuple[Any, ...]
Closing = Callable[[dict[str, Any]], Awaitable[Denial | None]]
"""Judges the whole answer (a chat completion body built from the stream)."""


class StreamGuard:
    """Transforms one SSE answer; ``feed`` bytes in, bytes out; ``finish`` at the end."""

    def __init__(self, api: str, scan: Scan | None, pseudonyms: Pseudonyms | None,
                 holdback: int, strip_usage: bool, closing: Closing | None = None) -> None:
        self.api = api
        self.closing = closing
        self.finish_reason: str | None = None
        self.scan = scan
        self.pseudonyms = pseudonyms
        self.holdback = holdback
        self.strip_usage = strip_usage
        self.parser = EventParser()
        self.channels: dict[Key, Channel] = {}
        self.released: dict[Key, str] = {}
        self.json_keys: set[Key] = set()  # channels whose text is inside a JSON string
        self.usage: dict[str, Any] = {}
        self.denial: Denial | None = None
        self.handle: Callable[[Event], Any] = {
            "anthropic.messages": self._anthropic, "openai.responses": self._responses,
        }.get(api, self._chat)

    @property
    def violations(self) -> list[Any]:
        found: dict[str, Any] = {}
        for channel in self.channels.values():
            found.update(channel.violations)
        return list(found.values())

    async def feed(self, chunk: bytes) -> bytes:
        out = b""
        for event in self.parser.feed(chunk):
            if self.denial is not None:
                break
            out += await self.handle(event)
        return out

    async def finish(self) -> bytes:
        """The stream ended: whatever was cut short, forwarded as it came (and the whole-answer
        checks, if no closing event ran them)."""
        if self.denial is not None:
            return b""
        rest = self.parser.rest()
        return rest + (await self.close() or b"")

    async def close(self) -> bytes | None:
        """Run the whole-answer checks, once: their error event if they deny, else None."""
        closing, self.closing = self.closing, None
        if closing is None or self.denial is not None:
            return None
        self.denial = await closing(self.answer())
        return self.error_event() if self.denial is not None else None

    def answer(self) -> dict[str, Any]:
        """The streamed answer as the text checks left it, read as one chat completion."""
        texts = [c.checked for k, c in self.channels.items() if k not in self.json_keys]
        calls = [{"type": "function", "function": {"arguments": c.checked}}
                 for k, c in self.channels.items() if k in self.json_keys]
        message: dict[str, Any] = {"role": "assistant", "content": "".join(texts)}
        if calls:
            message["tool_calls"] = calls
        return {"choices": [{"index": 0, "message": message,
                             "finish_reason": self.finish_reason}], "usage": self.usage}

    # --- channels ---------------------------------------------------------------------

    def channel(self, key: Key, json_string: bool = False) -> Channel:
        if key not in self.channels:
            if json_string:
                self.json_keys.add(key)
            restorer = self.pseudonyms.restorer(json_string) if self.pseudonyms else None
            self.channels[key] = Channel(self.scan, restorer, self.holdback)
        return self.channels[key]

    async def text(self, key: Key, piece: str, json_string: bool = False,
                   final: bool = False) -> str | None:
        """Released text for ``piece``, or ``None`` when a denial ended the stream."""
        channel = self.channel(key, json_string)
        released: Released = await channel.feed(piece) if piece else Released("")
        if released.denial is None and final:
            end = await channel.finish()
            released = Released(released.text + end.text, end.denial)
        if released.denial is not None:
            self.denial = released.denial
            return None
        self.released[key] = self.released.get(key, "") + released.text
        return released.text

    async def flush(self, key: Key) -> str | None:
        return await self.text(key, "", final=True) if key in self.channels else ""

    def error_event(self) -> bytes:
        assert self.denial is not None
        body = error_body(self.api, self.denial.status, self.denial.message, self.denial.policy)
        if self.api == "anthropic.messages":
            return encode_event(body, "error")
        return encode_event(body)

    # --- OpenAI chat and legacy completions ----------------------------------------------

    async def _chat(self, event: Event) -> bytes:
        data = event.json()
        if event.data.strip() == "[DONE]":
            out = await self._chat_flush_all()
            return out + (await self.close() or event.raw) if self.denial is None else out
        if not isinstance(data, dict):
            return event.raw
        if isinstance(data.get("usage"), dict):
            self.usage = data["usage"]
            if self.strip_usage:
                if not data.get("choices"):
                    return b""
                data.pop("usage")
        for choice in data.get("choices") or []:
            if isinstance(choice, dict) and not await self._chat_choice(choice):
                return self.error_event()
        return encode_event(data, event.name)

    async def _chat_choice(self, choice: dict[str, Any]) -> bool:
        index = choice.get("index", 0)
        final = choice.get("finish_reason") is not None
        if final:
            self.finish_reason = str(choice["finish_reason"])
        delta = choice.get("delta")
        holder, field = (delta, "content") if isinstance(delta, dict) else (choice, "text")
        piece = holder.get(field)
        if isinstance(piece, str) or (final and ("content", index) in self.channels):
            released = await self.text(("content", index), piece or "", final=final)
            if released is None:
                return False
            holder[field] = released
        calls = delta.get("tool_calls") if isinstance(delta, dict) else None
        for call in calls if isinstance(calls, list) else []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                key = ("tool", index, call.get("index", 0))
                released = await self.text(key, function["arguments"], json_string=True)
                if released is None:
                    return False
                function["arguments"] = released
        return await self._chat_flush_calls(choice, index) if final else True

    async def _chat_flush_calls(self, choice: dict[str, Any], index: int) -> bool:
        """Arguments still held when a choice finishes go out in its last chunk."""
        rests = []
        for key in [k for k in self.channels if k[0] == "tool" and k[1] == index]:
            rest = await self.flush(key)
            if rest is None:
                return False
            if rest:
                rests.append({"index": key[2], "function": {"arguments": rest}})
        if rests:
            delta = choice.setdefault("delta", {})
            delta["tool_calls"] = [*(delta.get("tool_calls") or []), *rests]
        return True

    async def _chat_flush_all(self) -> bytes:
        """Text still held when the stream ends (no finish_reason came): one last chunk."""
        out = b""
        for index in sorted({k[1] for k in self.channels}):
            choice: dict[str, Any] = {"index": index, "delta": {}, "finish_reason": None}
            rest = await self.flush(("content", index))
            if rest is None or not await self._chat_flush_calls(choice, index):
                return self.error_event()
            if rest:
                choice["delta"]["content"] = rest
            if choice["delta"]:
                out += encode_event({"choices": [choice]})
        return out

    # --- Anthropic Messages -------------------------------------------------------------

    async def _anthropic(self, event: Event) -> bytes:
        data = event.json()
        if not isinstance(data, dict):
            return event.raw
        kind = data.get("type")
        if kind == "message_start" and isinstance(data.get("message"), dict):
            self.usage.update(data["message"].get("usage") or {})
        elif kind == "message_delta":
            self._anthropic_message_delta(data)
        elif kind == "message_stop":
            return await self.close() or event.raw
        elif kind == "content_block_delta":
            return await self._anthropic_delta(data, event)
        elif kind == "content_block_stop":
            return await self._anthropic_stop(data, event)
        return event.raw

    def _anthropic_message_delta(self, data: dict[str, Any]) -> None:
        if isinstance(data.get("usage"), dict):
            self.usage.update(data["usage"])
        delta = data.get("delta")
        if isinstance(delta, dict) and isinstance(delta.get("stop_reason"), str):
            self.finish_reason = delta["stop_reason"]

    async def _anthropic_delta(self, data: dict[str, Any], event: Event) -> bytes:
        delta, index = data.get("delta"), data.get("index", 0)
        if not isinstance(delta, dict):
            return event.raw
        field, json_string = {"text_delta": ("text", False),
                              "input_json_delta": ("partial_json", True)}.get(
            str(delta.get("type")), (None, False))
        if field is None or not isinstance(delta.get(field), str):
            return event.raw
        released = await self.text(("block", index), delta[field], json_string)
        if released is None:
            return self.error_event()
        delta[field] = released
        return encode_event(data, event.name)

    async def _anthropic_stop(self, data: dict[str, Any], event: Event) -> bytes:
        key = ("block", data.get("index", 0))
        channel = self.channels.get(key)
        rest = await self.flush(key)
        if rest is None:
            return self.error_event()
        if not rest or channel is None:
            return event.raw
        kind, field = (("input_json_delta", "partial_json") if key in self.json_keys
                       else ("text_delta", "text"))
        extra = {"type": "content_block_delta", "index": key[1],
                 "delta": {"type": kind, field: rest}}
        return encode_event(extra, "content_block_delta") + event.raw

    # --- OpenAI Responses ---------------------------------------------------------------

    async def _responses(self, event: Event) -> bytes:
        data = event.json()
        if not isinstance(data, dict):
            return event.raw
        kind = str(data.get("type", ""))
        if kind in ("response.output_text.delta", "response.function_call_arguments.delta"):
            key = _responses_key(data, kind)
            released = await self.text(key, str(data.get("delta", "")), key[0] == "args")
            if released is None:
                return self.error_event()
            data["delta"] = released
            return encode_event(data, event.name)
        if kind in ("response.output_text.done", "response.function_call_arguments.done"):
            return await self._responses_done(data, kind, event)
        if kind in ("response.completed", "response.incomplete", "response.content_part.done",
                    "response.output_item.done"):
            self._responses_rewrite(data)
            if kind in ("response.completed", "response.incomplete"):
                return await self.close() or encode_event(data, event.name)
            return encode_event(data, event.name)
        return event.raw

    async def _responses_done(self, data: dict[str, Any], kind: str, event: Event) -> bytes:
        key = _responses_key(data, kind)
        rest = await self.flush(key)
        if rest is None:
            return self.error_event()
        out = b""
        if rest:
            delta_kind = kind.replace(".done", ".delta")
            extra = {k: v for k, v in data.items() if k not in ("text", "arguments")}
            extra.update({"type": delta_kind, "delta": rest})
            out = encode_event(extra, delta_kind)
        field = "arguments" if key[0] == "args" else "text"
        if key in self.released:
            data[field] = self.released[key]
        return out + encode_event(data, event.name)

    def _responses_rewrite(self, data: dict[str, Any]) -> None:
        """Whole-text copies in closing events take the released text, and usage is kept."""
        response = data.get("response")
        if isinstance(response, dict):
            if isinstance(response.get("usage"), dict):
                self.usage = response["usage"]
            if isinstance(response.get("status"), str):
                self.finish_reason = response["status"]
            for i, item in enumerate(response.get("output") or []):
                self._responses_item(item, i)
        if isinstance(data.get("item"), dict):
            self._responses_item(data["item"], data.get("output_index", 0))
        if isinstance(data.get("part"), dict):
            key = ("text", data.get("output_index", 0), data.get("content_index", 0))
            if key in self.released and "text" in data["part"]:
                data["part"]["text"] = self.released[key]

    def _responses_item(self, item: Any, index: int) -> None:
        if not isinstance(item, dict):
            return
        if item.get("type") == "function_call" and ("args", index) in self.released:
            item["arguments"] = self.released[("args", index)]
        for j, part in enumerate(item.get("content") or []):
            key = ("text", index, j)
            if isinstance(part, dict) and "text" in part and key in self.released:
                part["text"] = self.released[key]


def _responses_key(data: dict[str, Any], kind: str) -> Key:
    if "function_call" in kind:
        return ("args", data.get("output_index", 0))
    return ("text", data.get("output_index", 0), data.get("content_index", 0))
