"""Every dialect's stream handling, driven through the StreamGuard with real output policies.

Each API is described once (:class:`Spec`: its request, how it streams a text, how a caller
reads the text back, which events close a block, what its error event is); the same
properties are then checked for all: a value split across events never leaves raw, text
still held goes out in the API's own event shape before its block closes (or the stream
ends), usage and the finish reason are collected, pseudonyms come back, and a block ends the
stream with the API's own error event and nothing after it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard import Guard
from guard.asgi.response import TEXT_TYPES
from guard.asgi.streams import StreamGuard
from guard.dialects import dialect
from guard.dialects.events import NDJSON, SSE, Framing
from guard.engine.output import judge_answer, scan_text
from tests.dialects.support import relay

EMAIL = "ann.lee@example.com"
TEXT = f"Dear {EMAIL}, about the plan."
REDACTED = "Dear <EMAIL_ADDRESS>, about the plan."
OUTPUT = """version: 1
policies:
  - name: pii
    type: pii
    stages: [output]
    entities: [EMAIL_ADDRESS]
    action: redact
  - name: zeus
    type: content
    stages: [output]
    detect: {keywords: ["project zeus"]}
    action: block
"""
RULE = """version: 1
policies:
  - name: answer-rule
    type: rule
    stages: [output]
    deny_if: 'response.text.contains("forbidden")'
    message: "answer refused"
"""
PSEUDONYMS = """version: 1
policies:
  - name: contacts
    type: pii
    entities: [EMAIL_ADDRESS]
    action: pseudonymize
"""
GUARDS = {name: Guard.from_yaml(text) for name, text in
          (("output", OUTPUT), ("rule", RULE), ("pseudonyms", PSEUDONYMS))}

Seen = list[tuple[str | None, Any]]
"""The events a caller receives: (SSE event name, decoded data, or the raw data string)."""


def sse(data: Any, name: str | None = None) -> bytes:
    head = f"event: {name}\n" if name else ""
    return f"{head}data: {data if isinstance(data, str) else json.dumps(data)}\n\n".encode()


def line(data: Any) -> bytes:
    return json.dumps(data).encode() + b"\n"


@dataclass(frozen=True)
class Spec:
    """One API's stream, as its callers see it."""

    api: str
    path: str
    body: Callable[[str], dict[str, Any]]
    events: Callable[[list[str], bool], list[bytes]]  # text pieces, closed? -> the stream
    text: Callable[[str | None, Any], str]  # the answer text one event carries
    closes: Callable[[str | None, Any], bool]  # the event that ends the text's block
    error: Callable[[str | None, Any], bool]  # the API's error event
    usage: dict[str, Any]
    finish: str | None
    ndjson: bool = False

    def framing(self) -> Framing:
        return NDJSON() if self.ndjson else SSE()

    def __str__(self) -> str:
        return self.api


def _d(data: Any) -> dict[str, Any]:
    return data if isinstance(data, dict) else {}


# --- OpenAI chat and completions ---------------------------------------------------------

def _chat_events(pieces: list[str], closed: bool, field: str = "content") -> list[bytes]:
    base = {"id": "c1", "object": "chat.completion.chunk", "model": "gpt-4o-mini"}

    def choice(piece: str | None, finish: str | None = None) -> dict[str, Any]:
        if field == "content":
            return {"index": 0, "delta": {} if piece is None else {"content": piece},
                    "finish_reason": finish}
        return {"index": 0, "text": piece or "", "finish_reason": finish}

    out = [sse({**base, "choices": [choice(p)]}) for p in pieces]
    if closed:
        out += [sse({**base, "choices": [choice(None, "stop")]}),
                sse({**base, "choices": [], "usage": CHAT_USAGE}), sse("[DONE]")]
    return out


CHAT_USAGE = {"prompt_tokens": 4, "completion_tokens": 9, "total_tokens": 13}


def _choice_text(field: str) -> Callable[[str | None, Any], str]:
    def text(name: str | None, data: Any) -> str:
        choices = _d(data).get("choices") or [{}]
        holder = choices[0].get("delta", {}) if field == "content" else choices[0]
        return str(holder.get(field) or "")
    return text


def _finishes(name: str | None, data: Any) -> bool:
    return any(c.get("finish_reason") for c in _d(data).get("choices") or [])


def _openai_error(name: str | None, data: Any) -> bool:
    return isinstance(_d(data).get("error"), dict) and "message" in data["error"]


CHAT = Spec("openai.chat", "/v1/chat/completions",
            lambda t: {"model": "gpt-4o-mini", "stream": True,
                       "messages": [{"role": "user", "content": t}]},
            _chat_events, _choice_text("content"), _finishes, _openai_error, CHAT_USAGE, "stop")
COMPLETIONS = Spec("openai.completions", "/v1/completions",
                   lambda t: {"model": "gpt-3.5-turbo-instruct", "prompt": t, "stream": True},
                   lambda p, c: _chat_events(p, c, "text"), _choice_text("text"), _finishes,
                   _openai_error, CHAT_USAGE, "stop")


# --- OpenAI Responses and OpenResponses --------------------------------------------------

RESPONSES_USAGE = {"input_tokens": 4, "output_tokens": 9, "total_tokens": 13}


def _responses_events(pieces: list[str], closed: bool, done: bool = False) -> list[bytes]:
    kind = "response.output_text.delta"
    place = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    out = [sse({"type": "response.created", "response": {"id": "r", "status": "in_progress"}},
               "response.created")]
    out += [sse({"type": kind, **place, "delta": p}, kind) for p in pieces]
    if closed:
        whole = "".join(pieces)
        out += [
            sse({"type": "response.output_text.done", **place, "text": whole},
                "response.output_text.done"),
            sse({"type": "response.content_part.done", **place,
                 "part": {"type": "output_text", "text": whole}},
                "response.content_part.done"),
            sse({"type": "response.completed", "response": {
                "id": "r", "status": "completed", "usage": RESPONSES_USAGE,
                "output": [{"type": "message", "role": "assistant",
                            "content": [{"type": "output_text", "text": whole}]}]}},
                "response.completed")]
        if done:
            out.append(sse("[DONE]"))
    return out


def _delta_of(kind: str) -> Callable[[str | None, Any], str]:
    return lambda name, data: str(_d(data).get("delta") or "") \
        if _d(data).get("type") == kind else ""


RESPONSES = Spec("openai.responses", "/v1/responses",
                 lambda t: {"model": "gpt-4o", "input": t, "stream": True},
                 _responses_events, _delta_of("response.output_text.delta"),
                 lambda n, d: _d(d).get("type") == "response.output_text.done",
                 _openai_error, RESPONSES_USAGE, "completed")
OPENRESPONSES = Spec("openresponses", "/v3/compat/openresponses",
                     lambda t: {"model": "openai/gpt-4o", "input": t, "stream": True},
                     lambda p, c: _responses_events(p, c, done=True),
                     _delta_of("response.output_text.delta"),
                     lambda n, d: _d(d).get("type") == "response.output_text.done",
                     _openai_error, RESPONSES_USAGE, "completed")


# --- Anthropic -----------------------------------------------------------------------------

def _anthropic_events(pieces: list[str], closed: bool) -> list[bytes]:
    out = [sse({"type": "message_start", "message": {
        "id": "msg_1", "type": "message", "role": "assistant", "content": [],
        "usage": {"input_tokens": 4, "output_tokens": 1}}}, "message_start"),
        sse({"type": "content_block_start", "index": 0,
             "content_block": {"type": "text", "text": ""}}, "content_block_start")]
    out += [sse({"type": "content_block_delta", "index": 0,
                 "delta": {"type": "text_delta", "text": p}}, "content_block_delta")
            for p in pieces]
    if closed:
        out += [sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
                sse({"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                     "usage": {"output_tokens": 9}}, "message_delta"),
                sse({"type": "message_stop"}, "message_stop")]
    return out


def _anthropic_text(name: str | None, data: Any) -> str:
    delta = _d(data).get("delta")
    return str(delta.get("text") or "") if isinstance(delta, dict) and \
        delta.get("type") == "text_delta" else ""


ANTHROPIC = Spec("anthropic.messages", "/v1/messages",
                 lambda t: {"model": "claude-sonnet-4-5", "max_tokens": 50, "stream": True,
                            "messages": [{"role": "user", "content": t}]},
                 _anthropic_events, _anthropic_text,
                 lambda n, d: _d(d).get("type") == "content_block_stop",
                 lambda n, d: n == "error" and _d(d).get("type") == "error"
                 and "message" in d["error"],
                 {"input_tokens": 4, "output_tokens": 9}, "end_turn")


# --- Gemini ------------------------------------------------------------------------------

def _gemini_events(pieces: list[str], closed: bool) -> list[bytes]:
    out = []
    for i, piece in enumerate(pieces):
        last = closed and i == len(pieces) - 1
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": [{"text": piece}]},
                                     "index": 0}
        usage = {"promptTokenCount": 4, "totalTokenCount": 4 + i}
        if last:
            candidate["finishReason"] = "STOP"
            usage = GEMINI_USAGE
        out.append(sse({"candidates": [candidate], "usageMetadata": usage,
                        "modelVersion": "gemini-2.5-flash", "responseId": "r"}))
    return out


GEMINI_USAGE = {"promptTokenCount": 4, "candidatesTokenCount": 9, "totalTokenCount": 13}


def _gemini_text(name: str | None, data: Any) -> str:
    return "".join(str(part.get("text") or "") for c in _d(data).get("candidates") or []
                   for part in (c.get("content") or {}).get("parts") or []
                   if not part.get("thought"))


GEMINI = Spec("gemini.generate",
              "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
              lambda t: {"contents": [{"role": "user", "parts": [{"text": t}]}]},
              _gemini_events, _gemini_text,
              lambda n, d: any(c.get("finishReason") for c in _d(d).get("candidates") or []),
              lambda n, d: n is None and isinstance(_d(d).get("error"), dict)
              and isinstance(d["error"].get("code"), int),
              GEMINI_USAGE, "STOP")


# --- Google Interactions, both schemas ---------------------------------------------------

INTERACTIONS_USAGE = {"total_input_tokens": 4, "total_output_tokens": 9, "total_tokens": 13}


def _interactions_events(pieces: list[str], closed: bool, legacy: bool = False
                         ) -> list[bytes]:
    def event(kind: str, **fields: Any) -> bytes:
        return sse({"event_type": kind, **fields}, kind)

    delta, stop, done = (("content.delta", "content.stop", "interaction.complete") if legacy
                         else ("step.delta", "step.stop", "interaction.completed"))
    start = "interaction.start" if legacy else "interaction.created"
    out = [event(start, interaction={"id": "v1_1", "status": "in_progress"})]
    if not legacy:
        out.append(event("step.start", index=0, step={"type": "model_output"}))
    out += [event(delta, index=0, delta={"type": "text", "text": p}) for p in pieces]
    if closed:
        out += [event(stop, index=0),
                event(done, interaction={"id": "v1_1", "status": "completed",
                                         "usage": INTERACTIONS_USAGE})]
        if not legacy:
            out.append(sse("[DONE]"))
    return out


def _interactions_text(kind: str) -> Callable[[str | None, Any], str]:
    def text(name: str | None, data: Any) -> str:
        delta = _d(data).get("delta")
        if _d(data).get("event_type") != kind or not isinstance(delta, dict):
            return ""
        return str(delta.get("text") or "") if delta.get("type") == "text" else ""
    return text


def _interactions_error(name: str | None, data: Any) -> bool:
    error = _d(data).get("error")
    return name == "error" and _d(data).get("event_type") == "error" and \
        isinstance(error, dict) and isinstance(error.get("code"), str)


INTERACTIONS = Spec("google.interactions", "/v1beta/interactions",
                    lambda t: {"model": "gemini-3-flash-preview", "input": t, "stream": True},
                    _interactions_events, _interactions_text("step.delta"),
                    lambda n, d: _d(d).get("event_type") == "step.stop", _interactions_error,
                    INTERACTIONS_USAGE, "completed")
INTERACTIONS_LEGACY = Spec("google.interactions (legacy)", "/v1beta/interactions",
                           INTERACTIONS.body,
                           lambda p, c: _interactions_events(p, c, legacy=True),
                           _interactions_text("content.delta"),
                           lambda n, d: _d(d).get("event_type") == "content.stop",
                           _interactions_error, INTERACTIONS_USAGE, "completed")


# --- Opper -------------------------------------------------------------------------------

def _opper_events(pieces: list[str], closed: bool) -> list[bytes]:
    out = [sse({"type": "content", "delta": p}) for p in pieces]
    if closed:
        out += [sse({"type": "done", "usage": {"input_tokens": 4, "output_tokens": 9}}),
                sse({"data": "".join(pieces), "meta": {"usage": {"input_tokens": 4,
                                                                  "output_tokens": 9}}},
                    "complete"),
                sse("[DONE]")]
    return out


OPPER = Spec("opper.call", "/v3/call/stream", lambda t: {"name": "answer", "input": t},
             _opper_events,
             lambda n, d: str(_d(d).get("delta") or "") if _d(d).get("type") == "content"
             else "",
             lambda n, d: _d(d).get("type") == "done",
             lambda n, d: _d(d).get("type") == "error" and isinstance(d.get("error"), str),
             {"input_tokens": 4, "output_tokens": 9}, None)


# --- Ollama ------------------------------------------------------------------------------

OLLAMA_USAGE = {"prompt_eval_count": 26, "eval_count": 282}


def _ollama_events(pieces: list[str], closed: bool, chat: bool = True) -> list[bytes]:
    def chunk(text: str, done: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {"model": "llama3.2", "created_at": "2025-01-01T00:00:00Z"}
        body.update({"message": {"role": "assistant", "content": text}} if chat
                    else {"response": text})
        body["done"] = done
        if done:
            body.update(done_reason="stop", total_duration=4883583458, **OLLAMA_USAGE)
        return body

    out = [line(chunk(p)) for p in pieces]
    return [*out, line(chunk("", True))] if closed else out


def _ollama_text(name: str | None, data: Any) -> str:
    message = _d(data).get("message")
    holder = message if isinstance(message, dict) else _d(data)
    return str(holder.get("content") or holder.get("response") or "")


OLLAMA_CHAT = Spec("ollama.chat", "/api/chat",
                   lambda t: {"model": "llama3.2", "messages": [{"role": "user",
                                                                 "content": t}]},
                   _ollama_events, _ollama_text, lambda n, d: _d(d).get("done") is True,
                   lambda n, d: isinstance(_d(d).get("error"), str), OLLAMA_USAGE, "stop",
                   ndjson=True)
OLLAMA_GENERATE = Spec("ollama.generate", "/api/generate",
                       lambda t: {"model": "llama3.2", "prompt": t},
                       lambda p, c: _ollama_events(p, c, chat=False), _ollama_text,
                       lambda n, d: _d(d).get("done") is True,
                       lambda n, d: isinstance(_d(d).get("error"), str), OLLAMA_USAGE, "stop",
                       ndjson=True)

SPECS = [CHAT, COMPLETIONS, RESPONSES, OPENRESPONSES, ANTHROPIC, GEMINI, INTERACTIONS,
         INTERACTIONS_LEGACY, OPPER, OLLAMA_CHAT, OLLAMA_GENERATE]


# --- the harness -------------------------------------------------------------------------

def run(spec: Spec, pieces: list[str], closed: bool = True, guard: str = "output",
        request: str = "hi", chunk: int = 0, ends: list[str] | None = None,
        ) -> tuple[Seen, StreamGuard, bytes]:
    """Stream ``pieces`` through a StreamGuard as ResponseGuard builds one; ``chunk``: feed the
    bytes in slices of that size (0: event by event); ``ends``: write the stream's lines with
    these line ends in turn (any an SSE client must accept) instead of LF."""
    async def go() -> tuple[bytes, StreamGuard]:
        g = GUARDS[guard]
        decision = await g.check_request(spec.body(request), path=spec.path)
        assert decision.action != "deny"
        assert decision.api == spec.api.partition(" ")[0]
        output = g.engine.output_checks
        checks = [c for c in output if c.meta.type in TEXT_TYPES]
        whole = [c for c in output if c.meta.type not in TEXT_TYPES]

        async def scan(text: str) -> Any:
            return await scan_text(checks, decision, text)

        async def closing(answer: dict[str, Any]) -> Any:
            return (await judge_answer(whole, decision, answer)).denial

        pseudonyms = getattr(decision.state.get("context"), "pseudonyms", None) or None
        s = StreamGuard(dialect(decision.api), spec.framing(), scan if checks else None,
                        pseudonyms, 0, False, closing if whole else None)
        raw = b"".join(spec.events(pieces, closed))
        if ends:
            raw = reframed(raw, ends)
        slices = [raw[i:i + chunk] for i in range(0, len(raw), chunk)] if chunk or ends else \
            spec.events(pieces, closed)
        return await relay(s, slices)

    raw, s = asyncio.run(go())
    seen: Seen = []
    for event in spec.framing().feed(raw):
        data = event.json()
        seen.append((event.name, data if data is not None else event.data))
    return seen, s, raw


def reframed(raw: bytes, ends: list[str]) -> bytes:
    """``raw``'s LF line ends replaced by ``ends`` in turn. A CR directly followed by an
    empty line's LF would be read as one CRLF line end (merging two events), so that empty
    line ends with a CR instead: the stream means the same to any client."""
    lines = raw.split(b"\n")
    out, last = [], ""
    for i, line in enumerate(lines[:-1]):
        end = ends[i % len(ends)]
        if last == "\r" and not line and end.startswith("\n"):
            end = "\r"
        out.append(line + end.encode())
        last = end
    return b"".join(out) + lines[-1]


def released(spec: Spec, seen: Seen) -> str:
    return "".join(spec.text(name, data) for name, data in seen)


def cut(text: str, sizes: list[int]) -> list[str]:
    pieces, at = [], 0
    for size in sizes * (len(text) // max(1, sum(sizes)) + 1):
        if at >= len(text):
            break
        pieces.append(text[at:at + size])
        at += size
    return pieces


# --- the properties, for every API -------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=str)
@settings(max_examples=12, deadline=None)
@given(sizes=st.lists(st.integers(1, 9), min_size=1, max_size=12), chunk=st.integers(0, 40))
def test_a_value_split_across_events_never_leaves_raw(spec: Spec, sizes: list[int],
                                                      chunk: int) -> None:
    seen, s, raw = run(spec, cut(TEXT, sizes), chunk=chunk)
    assert EMAIL.encode() not in raw and b"ann.lee" not in raw
    assert released(spec, seen) == REDACTED
    assert s.denial is None


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_held_text_goes_out_before_its_block_closes(spec: Spec) -> None:
    # the last piece ends inside the address: the channel holds it until the block closes
    pieces = ["Dear ann.lee@exa", "mple.com"]
    seen, _, _ = run(spec, pieces)
    assert released(spec, seen) == "Dear <EMAIL_ADDRESS>"
    closes = [i for i, (n, d) in enumerate(seen) if spec.closes(n, d)]
    texts = [i for i, (n, d) in enumerate(seen) if spec.text(n, d)]
    assert closes and texts and max(texts) <= closes[0]


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_held_text_goes_out_when_the_stream_ends_without_closing(spec: Spec) -> None:
    seen, s, _ = run(spec, ["Dear ann.lee@exa", "mple.com"], closed=False)
    assert released(spec, seen) == "Dear <EMAIL_ADDRESS>"  # in events the caller can read
    assert s.denial is None


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_usage_and_finish_reason_are_collected(spec: Spec) -> None:
    _, s, _ = run(spec, ["Hello ", "there"])
    assert s.usage == spec.usage
    assert s.finish_reason == spec.finish


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_pseudonyms_split_across_events_come_back(spec: Spec) -> None:
    seen, s, _ = run(spec, ["I will mail <EMAIL_", "ADDRESS_1> today"], guard="pseudonyms",
                     request=f"please mail {EMAIL}")
    assert released(spec, seen) == f"I will mail {EMAIL} today"
    assert s.denial is None


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_a_block_ends_the_stream_with_the_apis_error_event(spec: Spec) -> None:
    seen, s, _ = run(spec, ["we discuss project ", "zeus today and more"])
    assert s.denial is not None and s.denial.policy == "zeus"
    assert "zeus" not in released(spec, seen)
    assert spec.error(*seen[-1])  # the API's own error event, last
    assert not any(spec.error(*event) for event in seen[:-1])
    assert not any(spec.closes(*event) for event in seen)  # nothing closes after a denial
    assert not any(data == "[DONE]" for _, data in seen)


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_a_block_of_held_text_at_the_end_of_the_stream(spec: Spec) -> None:
    # "zeus" is still held when the stream closes: the denial comes from the flush
    seen, s, _ = run(spec, ["we discuss project ", "zeus"])
    assert s.denial is not None and spec.error(*seen[-1])
    assert "zeus" not in released(spec, seen)
    assert not any(data == "[DONE]" for _, data in seen)


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_a_whole_answer_rule_ends_the_stream_with_the_error_event(spec: Spec) -> None:
    seen, s, _ = run(spec, ["a forbidden ", "word"], guard="rule")
    assert s.denial is not None and s.denial.policy == "answer-rule"
    assert spec.error(*seen[-1])
    assert released(spec, seen) == "a forbidden word"  # sent before the end: not unsaid
    if spec.ndjson:  # Ollama's clients stop at the "done" line: the error must come first
        assert not any(spec.closes(*event) for event in seen)
    passing, s, _ = run(spec, ["a harmless ", "word"], guard="rule")
    assert s.denial is None and not any(spec.error(*e) for e in passing)


# --- dialect details ---------------------------------------------------------------------

def test_gemini_thoughts_keep_their_flag_when_held_text_is_flushed() -> None:
    def chunk(parts: list[dict[str, Any]], finish: bool = False) -> bytes:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        if finish:
            candidate["finishReason"] = "STOP"
        return sse({"candidates": [candidate]})

    spec = replace(GEMINI, events=lambda p, c: [
        chunk([{"text": "think of ann.lee@exa", "thought": True}]),
        chunk([{"text": "mple.com", "thought": True}, {"text": "Answer: bo@exa"}]),
        chunk([{"text": "mple.org"}], finish=True)])
    seen, _, raw = run(spec, [])
    assert EMAIL.encode() not in raw and b"bo@example.org" not in raw
    parts = [p for _, d in seen for c in d["candidates"] for p in c["content"]["parts"]]
    thoughts = "".join(p["text"] for p in parts if p.get("thought"))
    answer = "".join(p["text"] for p in parts if not p.get("thought"))
    assert thoughts == "think of <EMAIL_ADDRESS>" and answer == "Answer: <EMAIL_ADDRESS>"
    assert seen[-1][1]["candidates"][0]["finishReason"] == "STOP"


def test_gemini_function_calls_arrive_whole_and_are_checked_whole() -> None:
    call = {"functionCall": {"id": "fc-1", "name": "send", "args": {"to": EMAIL}}}
    spec = replace(GEMINI, events=lambda p, c: [sse({"candidates": [
        {"content": {"role": "model", "parts": [call]}, "finishReason": "STOP",
         "index": 0}]})])
    seen, _, _ = run(spec, [])
    part = seen[0][1]["candidates"][0]["content"]["parts"][0]
    assert part == {"functionCall": {"id": "fc-1", "name": "send",
                                     "args": {"to": "<EMAIL_ADDRESS>"}}}


@pytest.mark.parametrize(("spec", "error"), [
    (CHAT, sse({"error": {"message": "boom", "type": "server_error"}})),
    (COMPLETIONS, sse({"error": {"message": "boom", "type": "server_error"}})),
    (RESPONSES, sse({"type": "error", "code": "server_error", "message": "boom"}, "error")),
    (OPENRESPONSES, sse({"type": "error", "error": {"code": "server_error",
                                                    "message": "boom"}}, "error")),
    (ANTHROPIC, sse({"type": "error", "error": {"type": "overloaded_error",
                                                "message": "Overloaded"}}, "error")),
    (GEMINI, sse({"error": {"code": 500, "message": "boom", "status": "INTERNAL"}})),
    (INTERACTIONS, sse({"event_type": "error", "error": {"code": "internal",
                                                         "message": "boom"}}, "error")),
    (OPPER, sse({"type": "error", "error": "boom"})),
    (OLLAMA_CHAT, line({"error": "boom"})),
    (OLLAMA_GENERATE, line({"error": "boom"})),
], ids=str)
def test_upstream_errors_pass_after_the_text_still_held(spec: Spec, error: bytes) -> None:
    # the SDK stops at the error: what was held back must go out before it
    failing = replace(spec, events=lambda p, c: [*spec.events(p, False), error])
    seen, s, _ = run(failing, ["Hello ", "there"], chunk=3)
    assert released(failing, seen) == "Hello there"
    assert seen[-1] == next(iter((e.name, e.json()) for e in failing.framing().feed(error)))
    assert s.denial is None


def test_interactions_thought_summaries_and_arguments_flush_in_their_own_shape() -> None:
    def event(kind: str, **fields: Any) -> bytes:
        return sse({"event_type": kind, **fields}, kind)

    spec = replace(INTERACTIONS, events=lambda p, c: [
        event("step.start", index=0, step={"type": "thought"}),
        event("step.delta", index=0, delta={"type": "thought_signature", "signature": "c2ln"}),
        *[event("step.delta", index=0, delta={"type": "thought_summary",
                                              "content": {"type": "text", "text": piece}})
          for piece in ("ask ann.lee@exa", "mple.com")],
        event("step.stop", index=0),
        event("step.start", index=1, step={"type": "function_call", "id": "c1", "name": "send"}),
        event("step.delta", index=1, delta={"type": "arguments_delta",
                                            "arguments": "{\"to\": \"bo@exa"}),
        event("step.delta", index=1, delta={"type": "arguments_delta",
                                            "arguments": "mple.org\"}"}),
        event("step.stop", index=1),
        event("interaction.completed", interaction={"id": "v1", "status": "completed",
                                                    "usage": INTERACTIONS_USAGE}),
        sse("[DONE]")])
    seen, s, raw = run(spec, [])
    assert EMAIL.encode() not in raw and b"bo@example.org" not in raw
    deltas = [d for _, d in seen if _d(d).get("event_type") == "step.delta"]
    summary = "".join(d["delta"]["content"]["text"] for d in deltas
                      if d["delta"]["type"] == "thought_summary")
    arguments = "".join(d["delta"]["arguments"] for d in deltas
                        if d["delta"]["type"] == "arguments_delta")
    assert summary == "ask <EMAIL_ADDRESS>"
    assert json.loads(arguments) == {"to": "<EMAIL_ADDRESS>"}
    assert {"type": "thought_signature", "signature": "c2ln"} in [d["delta"] for d in deltas]
    assert [name for name, _ in seen][-3:] == ["step.stop", "interaction.completed", None]
    assert s.usage == INTERACTIONS_USAGE


def test_interactions_text_that_arrives_whole_is_checked() -> None:
    def event(kind: str, **fields: Any) -> bytes:
        return sse({"event_type": kind, **fields}, kind)

    spec = replace(INTERACTIONS, events=lambda p, c: [
        event("step.start", index=0, step={"type": "model_output",
                                           "content": [{"type": "text", "text": EMAIL}]}),
        event("content.delta", index=1, delta={"type": "function_call", "id": "c1",
                                               "name": "send", "arguments": {"to": EMAIL}}),
        event("interaction.completed", interaction={
            "id": "v1", "status": "completed", "usage": INTERACTIONS_USAGE,
            "steps": [{"type": "model_output", "content": [{"type": "text",
                                                            "text": f"hi {EMAIL}"}]}]})])
    seen, _, raw = run(spec, [])
    assert EMAIL.encode() not in raw
    assert seen[0][1]["step"]["content"][0]["text"] == "<EMAIL_ADDRESS>"
    assert seen[1][1]["delta"]["arguments"] == {"to": "<EMAIL_ADDRESS>"}
    assert seen[1][1]["delta"]["id"] == "c1"
    assert seen[2][1]["interaction"]["steps"][0]["content"][0]["text"] == "hi <EMAIL_ADDRESS>"


def test_anthropic_tool_input_and_thinking_are_guarded_per_block() -> None:
    def event(data: dict[str, Any]) -> bytes:
        return sse(data, data["type"])

    def delta(index: int, kind: str, field: str, text: str) -> bytes:
        return event({"type": "content_block_delta", "index": index,
                      "delta": {"type": kind, field: text}})

    spec = replace(ANTHROPIC, events=lambda p, c: [
        event({"type": "content_block_start", "index": 0,
               "content_block": {"type": "thinking", "thinking": ""}}),
        delta(0, "thinking_delta", "thinking", "mail ann.lee@exa"),
        delta(0, "thinking_delta", "thinking", "mple.com"),
        delta(0, "signature_delta", "signature", "c2ln"),
        event({"type": "content_block_stop", "index": 0}),
        event({"type": "content_block_start", "index": 1,
               "content_block": {"type": "tool_use", "id": "toolu_1", "name": "send",
                                 "input": {}}}),
        delta(1, "input_json_delta", "partial_json", "{\"to\": \"bo@exa"),
        delta(1, "input_json_delta", "partial_json", "mple.org\"}"),
        event({"type": "content_block_stop", "index": 1}),
        event({"type": "message_stop"})])
    seen, _, raw = run(spec, [])
    assert EMAIL.encode() not in raw and b"bo@example.org" not in raw
    deltas = [d["delta"] for _, d in seen if d.get("type") == "content_block_delta"]
    thinking = "".join(d.get("thinking", "") for d in deltas if d["type"] == "thinking_delta")
    tool = "".join(d["partial_json"] for d in deltas if d["type"] == "input_json_delta")
    assert thinking == "mail <EMAIL_ADDRESS>"
    assert json.loads(tool) == {"to": "<EMAIL_ADDRESS>"}
    assert {"type": "signature_delta", "signature": "c2ln"} in deltas
    stops = [i for i, (_, d) in enumerate(seen) if d.get("type") == "content_block_stop"]
    thinking_at = [i for i, (_, d) in enumerate(seen) if d.get("type") == "content_block_delta"
                   and d["delta"]["type"] == "thinking_delta"]
    assert max(thinking_at) < stops[0]  # held thinking flushed inside its own block


def test_responses_closing_copies_carry_the_released_text() -> None:
    seen, _, raw = run(RESPONSES, cut(TEXT, [4]))
    assert EMAIL.encode() not in raw
    done = next(d for _, d in seen if d.get("type") == "response.output_text.done")
    completed = next(d for _, d in seen if d.get("type") == "response.completed")
    assert done["text"] == REDACTED
    assert completed["response"]["output"][0]["content"][0]["text"] == REDACTED


def test_responses_reasoning_summaries_and_refusals_are_guarded_with_their_copies() -> None:
    def event(kind: str, **fields: Any) -> bytes:
        return sse({"type": kind, **fields}, kind)

    summary = {"item_id": "rs_1", "output_index": 0, "summary_index": 0}
    refusal = {"item_id": "msg_1", "output_index": 1, "content_index": 0}
    said, refused = f"ask {EMAIL} first", f"no, {EMAIL} is private"
    spec = replace(RESPONSES, events=lambda p, c: [
        event("response.reasoning_summary_text.delta", **summary, delta="ask ann.lee@exa"),
        event("response.reasoning_summary_text.delta", **summary, delta="mple.com first"),
        event("response.reasoning_summary_text.done", **summary, text=said),
        event("response.reasoning_summary_part.done", **summary,
              part={"type": "summary_text", "text": said}),
        event("response.output_item.done", output_index=0, item={
            "type": "reasoning", "id": "rs_1",
            "summary": [{"type": "summary_text", "text": said}]}),
        event("response.refusal.delta", **refusal, delta="no, ann.lee@exa"),
        event("response.refusal.delta", **refusal, delta="mple.com is private"),
        event("response.refusal.done", **refusal, refusal=refused),
        event("response.content_part.done", **refusal,
              part={"type": "refusal", "refusal": refused}),
        event("response.completed", response={
            "status": "completed", "usage": RESPONSES_USAGE, "output": [
                {"type": "reasoning", "summary": [{"type": "summary_text", "text": said}]},
                {"type": "message", "role": "assistant",
                 "content": [{"type": "refusal", "refusal": refused}]}]})])
    seen, s, raw = run(spec, [])
    assert EMAIL.encode() not in raw and b"ann.lee" not in raw
    deltas = {kind: "".join(d["delta"] for _, d in seen if d["type"] == kind)
              for kind in ("response.reasoning_summary_text.delta", "response.refusal.delta")}
    assert deltas == {"response.reasoning_summary_text.delta": "ask <EMAIL_ADDRESS> first",
                      "response.refusal.delta": "no, <EMAIL_ADDRESS> is private"}
    completed = seen[-1][1]["response"]["output"]
    assert completed[0]["summary"][0]["text"] == "ask <EMAIL_ADDRESS> first"
    assert completed[1]["content"][0]["refusal"] == "no, <EMAIL_ADDRESS> is private"
    assert s.usage == RESPONSES_USAGE


def test_ollama_tool_calls_and_thinking_lines() -> None:
    spec = replace(OLLAMA_CHAT, events=lambda p, c: [
        line({"message": {"role": "assistant", "content": "", "thinking": "ask ann.lee@exa"},
              "done": False}),
        line({"message": {"role": "assistant", "content": "", "thinking": "mple.com"},
              "done": False}),
        line({"message": {"role": "assistant", "content": "", "tool_calls": [
            {"function": {"name": "send", "arguments": {"to": EMAIL}}}]}, "done": False}),
        line({"message": {"role": "assistant", "content": ""}, "done": True,
              "done_reason": "stop", **OLLAMA_USAGE})])
    seen, s, raw = run(spec, [])
    assert EMAIL.encode() not in raw
    thinking = "".join(d["message"].get("thinking", "") for _, d in seen)
    assert thinking == "ask <EMAIL_ADDRESS>"
    assert seen[2][1]["message"]["tool_calls"][0]["function"]["arguments"] == {
        "to": "<EMAIL_ADDRESS>"}
    assert seen[-1][1]["done"] is True and s.usage == OLLAMA_USAGE


SSE_SPECS = [spec for spec in SPECS if isinstance(spec.framing(), SSE)]


@pytest.mark.parametrize("spec", SSE_SPECS, ids=str)
@settings(max_examples=12, deadline=None)
@given(sizes=st.lists(st.integers(1, 9), min_size=1, max_size=12), chunk=st.integers(1, 40),
       ends=st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=1, max_size=5))
def test_any_valid_sse_framing_yields_the_same_guarded_text(spec: Spec, sizes: list[int],
                                                            chunk: int, ends: list[str]) -> None:
    """CR, LF or CRLF after each line, in any mix, cut anywhere: one answer, one guarded text."""
    seen, s, raw = run(spec, cut(TEXT, sizes), chunk=chunk, ends=ends)
    assert EMAIL.encode() not in raw and b"ann.lee" not in raw
    assert released(spec, seen) == REDACTED
    assert s.denial is None
