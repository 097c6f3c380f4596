"""Upstream answers for the fuzzing harness: each API's JSON and stream, carrying a planted
PII value in its text, and the ways an upstream gets streams wrong (CR or CRLF framing, an
event cut short, a missing blank line, a huge event, data that is not JSON, events after
``[DONE]``, bytes split anywhere)."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from hypothesis import strategies as st

from tests.fuzz.bodies import PLANTED, Request, odd_text, valid_requests
from tests.fuzz.stand_in import Answer
from tests.serve.answer_stand_in import Event
from tests.serve.answer_variants import (
    chat_events,
    chat_json,
    gemini_chunks,
    gemini_json,
    message_events,
    message_json,
)

SSE = "text/event-stream"


def responses_json(text: str) -> dict[str, Any]:
    item = {"id": "msg_1", "type": "message", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}
    return {"id": "resp_1", "object": "response", "created_at": 1, "model": "gpt-4o-mini",
            "status": "completed", "output": [item],
            "usage": {"input_tokens": 11, "output_tokens": 7, "total_tokens": 18}}


def responses_events(text: str, seed: str) -> list[Event]:
    where = {"item_id": "msg_1", "output_index": 0, "content_index": 0}
    events: list[Event] = [
        ("response.output_text.delta", {"type": "response.output_text.delta", **where,
                                        "delta": piece, "sequence_number": i})
        for i, piece in enumerate(_split(text, seed))]
    return [*events, ("response.completed", {"type": "response.completed",
                                             "response": responses_json(text),
                                             "sequence_number": len(events)})]


def opper_events(text: str, seed: str) -> list[Event]:
    events: list[Event] = [(None, {"type": "content", "delta": p}) for p in _split(text, seed)]
    return [*events, (None, {"type": "done", "usage": {"input_tokens": 1, "output_tokens": 2}}),
            (None, "[DONE]")]


def _split(text: str, seed: str) -> list[str]:
    from tests.serve.answer_stand_in import split

    return split(text, seed)


def whole(shape: str, text: str) -> Any:
    """The API's non-streamed answer with ``text`` as its text."""
    if shape == "openai.chat":
        return chat_json(content=text)
    if shape == "openai.responses":
        return responses_json(text)
    if shape == "anthropic.messages":
        return message_json({"type": "text", "text": text})
    if shape == "gemini.generate":
        return gemini_json({"text": text})
    if shape == "opper.call":
        return {"data": {"answer": text}, "meta": {"usage": {"input_tokens": 1,
                                                             "output_tokens": 2}}}
    if shape == "openai.embeddings":
        return {"object": "list", "data": [{"object": "embedding", "index": 0,
                                            "embedding": [0.1, -0.2]}], "model": "e"}
    return {"result": {"text": text}}


def streamed(shape: str, text: str, seed: str) -> list[Event]:
    """The API's stream with ``text`` in pieces (SSE events: name, data)."""
    if shape == "openai.chat":
        return chat_events("content", seed, text)
    if shape == "openai.responses":
        return responses_events(text, seed)
    if shape == "anthropic.messages":
        return message_events("text", seed, text)
    if shape == "gemini.generate":
        return [(None, chunk) for chunk in gemini_chunks("text", seed, text)]
    if shape == "opper.call":
        return opper_events(text, seed)
    if shape == "openai.embeddings":  # no API streams vectors; an upstream may stream text
        return [(None, whole(shape, text)), (None, {"object": "note", "text": text})]
    return [(None, whole(shape, text))]


def frame(events: list[Event], end: str, flaws: frozenset[str], value: str) -> bytes:
    """SSE bytes of ``events`` with line end ``end`` and the chosen ``flaws``."""
    blocks = []
    for name, data in events:
        lines = ([f"event: {name}"] if name else []) + [
            f"data: {data if isinstance(data, str) else json.dumps(data)}"]
        blocks.append("".join(line + end for line in lines))
    if "comments" in flaws:
        blocks.insert(1, f": ping{end}")
    if "bad_json" in flaws:
        blocks.insert(len(blocks) // 2, f'data: {{"choices": [{{"delta": {{"content": '
                                        f'"{value}"{end}')
    if "after_done" in flaws:
        blocks += [f"data: [DONE]{end}", f"data: {json.dumps(events[0][1])}{end}",
                   f'data: {{"text": "{value}"}}{end}']
    if "deep" in flaws:
        blocks.insert(1, f"data: {deep(value, 100).decode()}{end}")
    if "odd_usage" in flaws:
        last = next((data for _, data in reversed(events) if isinstance(data, dict)), {})
        blocks.insert(len(blocks) - 1, f"data: {odd_usage(last).decode()}{end}")
    if "huge" in flaws:
        blocks.insert(1, f"data: {json.dumps({'type': 'content', 'delta': 'x' * 400_000})}{end}")
    if "no_separator" in flaws and len(blocks) > 1:  # the first two run into one event
        blocks[:2] = [blocks[0] + blocks[1]]
    text = end.join(blocks) + end  # each block's lines, then its blank line
    raw = text.encode("utf-8", "surrogatepass")
    if "cut" in flaws:
        raw = raw[: len(raw) * 3 // 4]
    return raw


def repeated(answer: Any) -> bytes:
    """``answer`` with a key given twice (JSON parsers disagree on which one counts)."""
    return b'{"n": 1, "n": 2, ' + json.dumps(answer).encode()[1:]


def deep(value: str, depth: int) -> bytes:
    """An answer nested ``depth`` deep, the value at the bottom."""
    return b'{"x": ' + b"[" * depth + json.dumps(value).encode() + b"]" * depth + b"}"


def odd_usage(answer: Any) -> bytes:
    """``answer`` with its usage counts replaced by numbers no budget can take as they are."""
    numbers = itertools.cycle(USAGE_NUMBERS)
    return re.sub(rf'("(?:{"|".join(USAGE_KEYS)})": )\d+',
                  lambda m: m.group(1) + next(numbers), json.dumps(answer)).encode()


USAGE_KEYS = ("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens",
              "promptTokenCount", "candidatesTokenCount", "total_tokens")
USAGE_NUMBERS = ("1e400", "1" + "0" * 400, "-5", "1.5e300")


def pieces(raw: bytes, cuts: list[int]) -> tuple[bytes, ...]:
    """``raw`` cut at the given offsets (anywhere: inside a character, a CRLF, a value)."""
    points = sorted({c % (len(raw) + 1) for c in cuts} | {0, len(raw)})
    return tuple(raw[a:b] for a, b in itertools.pairwise(points) if b > a) or (b"",)


FLAWS = ("comments", "bad_json", "after_done", "no_separator", "cut", "huge", "deep",
         "odd_usage")


@st.composite
def answers(draw: st.DrawFn, request: Request) -> tuple[Answer, str]:
    """An answer to ``request`` (streamed if it asked for a stream) and the PII value in it."""
    value = draw(st.sampled_from(PLANTED))
    text = f"{draw(odd_text)} ; {value} ; {draw(odd_text)}"  # cut off: see planted_text
    shape = request.shape.name
    cuts = draw(st.lists(st.integers(0, 1 << 20), max_size=12))
    kind = draw(st.sampled_from(["stream", "stream", "json", "garbage"]) if request.stream
                else st.sampled_from(["json", "json", "json", "garbage", "stream"]))
    if kind == "json":
        raw = json.dumps(whole(shape, text)).encode()
        return Answer(pieces(raw, cuts)), value
    if kind == "garbage":
        raw = draw(st.sampled_from([
            f'{{"choices": [{{"message": {{"content": "{value}"'.encode(),  # cut short
            repeated(whole(shape, text)),
            f"plain words {value}".encode(), b"\xff\xfe" + value.encode(),
            deep(value, 100), deep(value, 5000), odd_usage(whole(shape, text))]))
        return Answer(pieces(raw, cuts), draw(st.sampled_from(
            ["application/json", "text/plain", "application/octet-stream"]))), value
    events = streamed(shape, text, seed=str(draw(st.integers(0, 99))))
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    flaws = frozenset(draw(st.lists(st.sampled_from(FLAWS), max_size=3)))
    return Answer(pieces(frame(events, end, flaws, value), cuts), SSE), value


@st.composite
def exchanges(draw: st.DrawFn) -> tuple[Request, Answer, str]:
    """A request with a planted value, and the upstream's answer with one (all drawn before
    the exchange runs)."""
    request = draw(valid_requests())
    answer, value = draw(answers(request))
    return request, answer, value


def known() -> list[tuple[Request, Answer, str]]:
    """Exchanges that broke guard once (issue 17), tried first on every run whatever the
    draws: an output cap past any float, an answer nested too deep (whole and streamed),
    usage counts past any float, text streamed where the API streams none."""
    from tests.fuzz.bodies import SHAPES, RawNumber, dumps

    value = PLANTED[0]
    by = {s.name: s for s in SHAPES}
    chat, embeddings = by["openai.chat"], by["openai.embeddings"]

    def request(shape: Any, stream: bool) -> Request:
        return Request(shape, shape.paths[0], dumps(shape.build(f"to {value}", stream)), value,
                       stream)

    huge_cap = dumps({**chat.build(f"to {value}", False), "max_tokens": RawNumber("1" + "0" * 400)})
    streamed_deep = frame(streamed("openai.chat", f"to {value}", "1"), "\n",
                          frozenset({"deep", "odd_usage"}), value)
    return [
        (Request(chat, chat.paths[0], huge_cap, value, False),
         Answer((json.dumps(whole("openai.chat", f"to {value}")).encode(),)), value),
        (request(chat, False), Answer((deep(value, 100),)), value),
        (request(chat, True), Answer((streamed_deep,), SSE), value),
        (request(chat, False), Answer((odd_usage(whole("openai.chat", f"to {value}")),)), value),
        (request(embeddings, False), Answer((frame(streamed("openai.embeddings", value, "1"),
                                                   "\n", frozenset(), value),), SSE), value),
    ]
