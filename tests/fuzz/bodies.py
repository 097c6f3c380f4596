"""Request bodies for the fuzzing harness: valid and near-valid JSON of every API shape guard
knows, and what a hostile client sends instead (random bytes, deep nesting, huge strings, odd
Unicode, invalid UTF-8, repeated keys, numbers no parser agrees on).

Every valid body carries one planted PII value in one of its API's text fields; mutations
then change other parts of it (a field of the wrong type, a key dropped or added, a number
out of range), so the value must still never reach the upstream.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

EMAILS = ("jane.roe@example.com", "k.o-lee@mail.example.org")
CARDS = ("4111 1111 1111 1111", "5500-0000-0000-0004")
PLANTED = EMAILS + CARDS


@dataclass(frozen=True)
class Shape:
    """One API: its path(s), its error family, a valid body with text put in ``text``."""

    name: str
    paths: tuple[str, ...]
    family: str  # openai, anthropic, google: the error shape guard must answer in
    build: Callable[[str, bool], dict[str, Any]]  # (text, stream) -> body


def _chat(text: str, stream: bool) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "stream": stream, "max_tokens": 50,
            "messages": [{"role": "system", "content": "be brief"},
                         {"role": "user", "content": [{"type": "text", "text": text}]}]}


def _responses(text: str, stream: bool) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "stream": stream, "instructions": "be brief",
            "input": [{"role": "user", "content": [{"type": "input_text", "text": text}]}]}


def _embeddings(text: str, stream: bool) -> dict[str, Any]:
    return {"model": "text-embedding-3-small", "input": ["first", text]}


def _anthropic(text: str, stream: bool) -> dict[str, Any]:
    return {"model": "claude-haiku-4-5", "max_tokens": 64, "stream": stream,
            "system": "be brief", "messages": [{"role": "user", "content": text}]}


def _gemini(text: str, stream: bool) -> dict[str, Any]:
    return {"contents": [{"role": "user", "parts": [{"text": text}]}],
            "generationConfig": {"maxOutputTokens": 64}}


def _opper(text: str, stream: bool) -> dict[str, Any]:
    return {"name": "reply", "instructions": "answer", "model": "openai/gpt-4o-mini",
            "input": {"question": text}}


def _unknown(text: str, stream: bool) -> dict[str, Any]:
    return {"owner": {"notes": [text]}, "kind": "widget"}


SHAPES = (
    Shape("openai.chat", ("/v1/chat/completions",), "openai", _chat),
    Shape("openai.responses", ("/v1/responses",), "openai", _responses),
    Shape("openai.embeddings", ("/v1/embeddings",), "openai", _embeddings),
    Shape("anthropic.messages", ("/v1/messages",), "anthropic", _anthropic),
    Shape("gemini.generate", ("/v1beta/models/gemini-2.5-flash:generateContent",
                              "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"),
          "google", _gemini),
    Shape("opper.call", ("/v3/call", "/v3/call/stream"), "openai", _opper),
    Shape("unknown", ("/v1/widgets",), "any", _unknown),
)

ODD = ("\u0000", "\u202e", "\u200f", "\u0301", "\u0338", "\ufeff", "\u2028", "\uffff",
       "\U0001f600", "\u00e9", "e\u0301", "\u0130", "\ufb03", "\\", "\"", "\n", "\t")
odd_text = st.lists(st.sampled_from(ODD) | st.text(max_size=6), max_size=8).map("".join)
"""Text with NUL, RTL and bidi marks, combining marks, BOMs, line separators, emoji..."""

huge_text = st.builds(lambda unit, n: unit * n, st.sampled_from(["a", "word ", "\u00e9", "9 "]),
                      st.integers(20_000, 120_000))


@st.composite
def planted_text(draw: st.DrawFn) -> tuple[str, str]:
    """(text, the PII value in it): the value cut off from its neighbours by spaces and a
    semicolon, so it is the value a detector must find, whatever odd text surrounds it (a
    space alone does not cut a card written in groups from a digit group next to it: the
    card is then part of a longer number, which guard does not report as a card)."""
    value = draw(st.sampled_from(PLANTED))
    before = draw(odd_text | st.just("mail"))
    after = draw(odd_text | huge_text if draw(st.integers(0, 9)) == 0 else odd_text)
    return f"{before} ; {value} ; {after}", value


# numbers written as raw JSON text: parsers disagree on them, or they are out of range
ODD_NUMBERS = ("1e400", "-1e400", "-0", "-0.0", "1E-400", "123456789012345678901234567890",
               "-9223372036854775809", "18446744073709551616", "1.7976931348623157e309",
               "0.1e-999999", "9" * 4300, "9" * 5000, "1e308", "4.5", "-1")
TOO_LONG = "9" * 5000
"""An integer past CPython's 4300-digit conversion limit (whose error names
``sys.set_int_max_str_digits``): refused without internals, also tested on its own."""

wrong = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=5), st.just([]), st.just({}), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.sampled_from(ODD_NUMBERS).map(lambda n: RawNumber(n)))


class RawNumber:
    """A number written into the JSON text as it is (``1e400``), which ``json.dumps`` cannot."""

    def __init__(self, text: str) -> None:
        self.text = text


def nodes(body: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every position in ``body`` (the root excluded)."""
    items = body.items() if isinstance(body, dict) else enumerate(body) if isinstance(
        body, list) else []
    found: list[tuple[Any, ...]] = []
    for key, value in items:
        found.append((*at, key))
        found += nodes(value, (*at, key))
    return found


def put(body: Any, at: tuple[Any, ...], value: Any) -> Any:
    if not at:
        return value
    copy = dict(body) if isinstance(body, dict) else list(body)
    copy[at[0]] = put(body[at[0]], at[1:], value)
    return copy


def holds(body: Any, needle: str) -> bool:
    return needle in json.dumps(body, ensure_ascii=False, default=lambda r: r.text)


def mutated(draw: st.DrawFn, body: dict[str, Any], value: str) -> dict[str, Any]:
    """``body`` with a few nodes given a wrong type or an odd number, keys dropped or added;
    never the node holding the planted value (a test of where it went, not of its removal)."""
    for _ in range(draw(st.integers(1, 3))):
        spots = [p for p in nodes(body) if not holds(_get(body, p), value)]
        if not spots:
            break
        numbers = [p for p in spots if type(_get(body, p)) is int]
        action = draw(st.sampled_from(["wrong", "drop", "add", "number"]))
        spot = draw(st.sampled_from(numbers if action == "number" and numbers else spots))
        if action == "number":  # a count or cap (max_tokens...) no parser reads alike
            body = put(body, spot, RawNumber(draw(st.sampled_from(ODD_NUMBERS))))
        elif action == "wrong":
            body = put(body, spot, draw(wrong))
        elif action == "drop" and isinstance(_get(body, spot[:-1]), dict):
            parent = {k: v for k, v in _get(body, spot[:-1]).items() if k != spot[-1]}
            body = put(body, spot[:-1], parent)
        elif isinstance(_get(body, spot[:-1]), dict):
            key = draw(st.sampled_from(["stream", "model", "tools", "n", "type", "role",
                                        "content", "input", "metadata"]) | st.text(max_size=4))
            parent = {**_get(body, spot[:-1]), key: draw(wrong)}
            body = put(body, spot[:-1], parent)
    return body


def _get(body: Any, at: tuple[Any, ...]) -> Any:
    for key in at:
        body = body[key]
    return body


def dumps(body: Any) -> bytes:
    """JSON text of ``body``, :class:`RawNumber` written as they are."""
    marks: list[str] = []

    def mark(raw: Any) -> str:
        marks.append(raw.text)
        return f"\x00RAW{len(marks) - 1}\x00"

    text = json.dumps(body, ensure_ascii=False, default=mark)
    for i, raw in enumerate(marks):
        text = text.replace(f'"\\u0000RAW{i}\\u0000"', raw)
    return text.encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class Request:
    """One request of the harness: where it goes, its bytes, and what was planted in it."""

    shape: Shape
    path: str
    raw: bytes
    planted: str | None  # the PII value in it, if any
    stream: bool
    content_type: str = "application/json"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # Hypothesis's printer
        printer.text(repr(self))

    def __repr__(self) -> str:
        from tests.fuzz.stand_in import shortened

        return (f"Request({self.shape.name}, POST {self.path}, {self.content_type}, "
                f"planted={self.planted!r}, {shortened(self.raw)})")


@st.composite
def valid_requests(draw: st.DrawFn, mutate: bool = True) -> Request:
    """A body of one API shape with a planted value, valid or near-valid."""
    shape = draw(st.sampled_from(SHAPES))
    path = draw(st.sampled_from(shape.paths))
    stream = draw(st.booleans()) or "stream" in path.lower()
    text, value = draw(planted_text())
    body = shape.build(text, stream)
    if mutate and draw(st.booleans()):
        body = mutated(draw, body, value)  # a plain call: a strategy's repr shows its arguments
    return Request(shape, path, dumps(body), value, stream)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False,
                                                          allow_infinity=False) | odd_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=25)


def nested(depth: int, kind: str) -> bytes:
    """JSON nested ``depth`` deep: ``[[[...]]]`` or ``{"a":{"a":...}}``, closed or not."""
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"1" + b"}" * depth


@st.composite
def surrogate_body(draw: st.DrawFn) -> bytes:
    escape = draw(st.sampled_from(["\\ud800", "\\udfff", "\\ud83d\\ude00", "\\ud800\\u0041",
                                   "\\u0000", "\\u202e"]))
    return b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x' + \
        escape.encode() + b'"}]}'


@st.composite
def duplicate_keys(draw: st.DrawFn) -> bytes:
    key = draw(st.sampled_from(["model", "messages", "content", "stream", "input"]))
    twin = draw(st.sampled_from([key, key.upper(), key.capitalize()]))
    return (b'{"model": "gpt-4o-mini", "' + key.encode() + b'": "a", "' + twin.encode() +
            b'": [{"role": "user", "content": "hi"}], "messages": []}')


@st.composite
def hostile_requests(draw: st.DrawFn) -> Request:
    """What is not a well-formed body of its API: random bytes and JSON, nesting, invalid
    UTF-8, repeated keys, lone surrogates, cut-off or padded valid bodies."""
    shape = draw(st.sampled_from(SHAPES))
    path = draw(st.sampled_from(shape.paths))
    raw = draw(st.one_of(
        st.binary(max_size=200),
        json_values.map(dumps),
        st.builds(nested, st.integers(1, 100_000), st.sampled_from(["list", "dict"])),
        st.builds(lambda n: b'{"model": "gpt-4o-mini", "messages": ' + b"[" * n, st.integers(
            1, 50_000)),
        surrogate_body(), duplicate_keys(),
        st.builds(lambda b, cut: b[:cut], valid_requests().map(lambda r: r.raw),
                  st.integers(0, 400)),
        st.builds(lambda b, junk: b + junk, valid_requests().map(lambda r: r.raw),
                  st.binary(min_size=1, max_size=8)),
        st.builds(lambda b, bad: b.replace(b"be brief", bad), valid_requests(False).map(
            lambda r: r.raw), st.sampled_from([b"\xff\xfe", b"\xc3", b"\xed\xa0\x80",
                                               b"\xf4\x90\x80\x80", b"\xc0\xaf"])),
        st.sampled_from([b"", b"null", b"[]", b"1e400", b'"text"', b"{}", b"\xef\xbb\xbf{}"]),
    ))
    content_type = draw(st.sampled_from(["application/json", "application/json",
                                         "text/plain", "application/octet-stream"]))
    return Request(shape, path, raw, None, False, content_type)
