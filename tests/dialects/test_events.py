"""The event framings: SSE read as the WHATWG standard says (line ends, BOM, comments, fields,
chunk boundaries), NDJSON, ``end`` for streams cut short, raw bytes kept, the size cap."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.asgi.streams import StreamGuard
from guard.dialects import dialect
from guard.dialects.events import NDJSON, SSE, Event, EventTooLarge, Framing
from guard.engine.run import Denial
from guard.errors import GuardError

Seen = tuple[str | None, str, str | None]


def feed_all(framing: Framing, raw: bytes, size: int | None = None) -> list[Event]:
    """``raw`` fed in chunks of ``size`` bytes (one chunk if ``None``), then ``end``."""
    step = size or max(len(raw), 1)
    events = [e for at in range(0, len(raw), step) for e in framing.feed(raw[at:at + step])]
    return events + framing.end()


def seen(events: list[Event]) -> list[Seen]:
    """What a client reads: the events that are not comments."""
    return [(e.name, e.data, e.id) for e in events if not e.comment]


def sse(raw: bytes, size: int | None = None) -> list[Event]:
    return feed_all(SSE(), raw, size)


# --- line ends ---------------------------------------------------------------------------

@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_every_line_end(end: bytes) -> None:
    raw = end.join([b"event: a", b"data: 1", b"data: 2", b"", b"data: 3", b"", b""])
    events = sse(raw)
    assert seen(events) == [("a", "1\n2", None), (None, "3", None)]
    assert b"".join(e.raw for e in events) == raw


def test_mixed_line_ends() -> None:
    raw = b"data: a\r\ndata: b\rdata: c\n\r\ndata: d\n\r\n\rdata: e\r\r"
    events = sse(raw)
    assert seen(events) == [(None, "a\nb\nc", None), (None, "d", None), (None, "e", None)]
    assert [e.comment for e in events] == [False, False, True, False]  # the lone CR: a blank
    assert b"".join(e.raw for e in events) == raw


def test_cr_at_a_chunk_end_and_lf_next_are_one_line_end() -> None:
    framing = SSE()
    assert framing.feed(b"data: a\r") == []
    assert framing.feed(b"\ndata: b\r\n\r") == [Event(None, "a\nb", b"data: a\r\ndata: b\r\n\r")]
    assert framing.feed(b"\n") == []  # the LF of the CRLF that ended the event: no blank line
    assert framing.feed(b"data: c\n\n") == [Event(None, "c", b"\ndata: c\n\n")]
    assert framing.end() == []


def test_a_lone_cr_at_a_chunk_end_ends_the_event_at_once() -> None:
    framing = SSE()
    assert [e.data for e in framing.feed(b"data: a\r\r")] == ["a"]  # not held for an LF
    assert [e.data for e in framing.feed(b"data: b\r\r")] == ["b"]


def test_blank_lines_split_by_chunks() -> None:
    raw = b"data: a\r\n\r\ndata: b\r\r\ndata: c\n\r\n"
    for size in range(1, len(raw) + 1):
        assert seen(sse(raw, size)) == [(None, "a", None), (None, "b", None), (None, "c", None)]


# --- BOM, comments, fields ---------------------------------------------------------------

def test_a_bom_opening_the_stream_is_dropped_but_kept_in_raw() -> None:
    raw = b"\xef\xbb\xbfdata: a\n\n\xef\xbb\xbfdata: b\n\n"
    for size in (None, 1, 2):
        events = sse(raw, size)
        assert seen(events) == [(None, "a", None)]  # a second BOM is part of a field name
        assert events[0].raw == b"\xef\xbb\xbfdata: a\n\n"
        assert b"".join(e.raw for e in events) == raw


def test_a_stream_of_part_of_a_bom() -> None:
    framing = SSE()
    assert framing.feed(b"\xef\xbb") == []
    assert framing.end() == [Event(None, "", b"\xef\xbb", comment=True)]


def test_comments_are_forwarded_as_they_come() -> None:
    framing = SSE()
    assert framing.feed(b": keepalive\n\n") == [Event(None, "", b": keepalive\n\n", comment=True)]
    [event] = framing.feed(b": note\ndata: a\n:x\n\n")
    assert (event.data, event.comment, event.raw) == ("a", False, b": note\ndata: a\n:x\n\n")


@pytest.mark.parametrize(("line", "value"), [
    (b"data:x", "x"), (b"data: x", "x"), (b"data:  x", " x"), (b"data:", ""), (b"data", ""),
    (b"data: a:b", "a:b"), (b"data:\tx", "\tx"),
])
def test_field_values(line: bytes, value: str) -> None:
    [event] = sse(line + b"\n\n")
    assert (event.data, event.comment) == (value, False)


def test_data_lines_join_with_lf() -> None:
    assert seen(sse(b"data\ndata: a\ndata\n\n")) == [(None, "\na\n", None)]
    assert seen(sse(b'data: {"a":\ndata: 1}\n\n')) == [(None, '{"a":\n1}', None)]


def test_event_id_and_retry() -> None:
    framing = SSE()
    [event] = framing.feed(b"event: delta\nid: 7\nretry: 1500\ndata: x\n\n")
    assert (event.name, event.data, event.id, event.retry) == ("delta", "x", "7", 1500)
    assert framing.last_id == "7"
    [event] = framing.feed(b"event:\nid: a\0b\nretry: 15s\nretry: -1\ndata: y\n\n")
    assert (event.name, event.id, event.retry) == (None, None, None)  # invalid: ignored
    assert framing.last_id == "7"
    [event] = framing.feed(b"event: a\nevent: b\nid\ndata: z\n\n")
    assert (event.name, event.id) == ("b", "")  # the last one counts; "id" resets to ""
    assert framing.last_id == ""


def test_unknown_fields_are_ignored() -> None:
    events = sse(b"foo: bar\ndata: x\nData: y\n data: z\n\nfoo\n\n")
    assert seen(events) == [(None, "x", None)]
    assert events[1].comment  # a block of unknown fields sets nothing


def test_fields_without_data() -> None:
    [event] = sse(b"event: ping\nid: 3\n\n")
    assert (event.name, event.data, event.id, event.comment) == ("ping", "", "3", False)


def test_events_end_only_at_blank_lines() -> None:
    framing = SSE()
    assert framing.feed(b"data: a\n") == []
    assert framing.feed(b"data: b\n") == []
    assert [e.data for e in framing.feed(b"\n")] == ["a\nb"]


def test_invalid_utf8_is_replaced() -> None:
    assert seen(sse(b"data: \xe2\x82\ndata: \xff\n\n")) == [(None, "\ufffd\n\ufffd", None)]


# --- end ---------------------------------------------------------------------------------

def test_end_returns_an_event_without_its_blank_line() -> None:
    framing = SSE()
    assert framing.feed(b"data: a\n\nevent: e\ndata: b\n") != []
    assert framing.end() == [Event("e", "b", b"event: e\ndata: b\n")]
    assert framing.end() == []


def test_end_returns_a_last_line_without_its_line_end() -> None:
    framing = SSE()
    framing.feed(b"data: a\n\ndata: b\ndata: [DO")
    framing.feed(b"NE]")
    assert framing.end() == [Event(None, "b\n[DONE]", b"data: b\ndata: [DONE]")]


def test_end_returns_a_partial_comment_as_a_comment() -> None:
    framing = SSE()
    framing.feed(b"data: a\n\n: keep")
    assert framing.end() == [Event(None, "", b": keep", comment=True)]


def test_closer_ends_what_was_left_open() -> None:
    framing = SSE()
    for sent, closer in [(b"", b""), (b"data: a", b"\n\n"), (b"data: a\n", b"\n"),
                         (b"data: a\r", b"\r\n"), (b"data: a\r\n", b"\n"),
                         (b"data: a\n\n", b""), (b"data: a\r\r", b""), (b"a\r\n\r\n", b"")]:
        assert framing.closer(sent) == closer
        more = sent + closer + b"data: b\n\n"
        assert seen(sse(more))[-1] == (None, "b", None)
    assert NDJSON().closer(b'{"a":1}') == b"\n"
    assert NDJSON().closer(b'{"a":1}\n') == b""


# --- NDJSON ------------------------------------------------------------------------------

def test_ndjson_line_ends() -> None:
    raw = b'{"a":1}\r\n\n{"a":2}\n  \r\n{"a":3}'
    for size in (None, 1, 3):
        events = feed_all(NDJSON(), raw, size)
        assert [e.json() for e in events if not e.comment] == [{"a": 1}, {"a": 2}, {"a": 3}]
        assert b"".join(e.raw for e in events) == raw
        assert events[-1].raw == b'{"a":3}'  # the last line, without its LF, from end()


def test_ndjson_end() -> None:
    framing = NDJSON()
    assert framing.feed(b'{"a":1}\n{"a"') == [Event(None, '{"a":1}', b'{"a":1}\n')]
    assert framing.end() == [Event(None, '{"a"', b'{"a"')]
    assert framing.end() == []


# --- raw bytes, size ---------------------------------------------------------------------

def test_raw_round_trip() -> None:
    raw = (b"\xef\xbb\xbf: hello\n\nevent: a\r\nid: 1\r\ndata: x\r\n\r\n\n\n: ka\r\r"
           b"data: y\rretry: 10\r\rfoo\n\n")
    for size in (None, 1, 2, 5):
        events = sse(raw, size)
        assert b"".join(e.raw for e in events) == raw
        assert seen(events) == [("a", "x", "1"), (None, "y", None)]


def test_a_large_event_in_small_chunks() -> None:
    data = "x" * (2 * 1024 * 1024)
    raw = f"data: {data}\ndata: {data[:10]}\n\n".encode()
    framing = SSE()
    events = [e for at in range(0, len(raw), 1024) for e in framing.feed(raw[at:at + 1024])]
    assert [len(e.data) for e in events] == [len(data) + 11]
    assert events[0].raw == raw
    ndjson = NDJSON()
    line = json.dumps({"a": data}).encode() + b"\n"
    events = [e for at in range(0, len(line), 1024) for e in ndjson.feed(line[at:at + 1024])]
    assert events[0].json() == {"a": data}


@pytest.mark.parametrize("framing", [SSE(limit=100), NDJSON(limit=100)])
def test_an_event_too_large(framing: Framing) -> None:
    assert framing.feed(b"data: " + b"x" * 80 + b"\n\n") != []  # within the limit
    framing.feed(b"data: " + b"x" * 50)
    with pytest.raises(EventTooLarge) as caught:
        framing.feed(b"x" * 50)
    assert isinstance(caught.value, GuardError)
    with pytest.raises(EventTooLarge):  # whole in one chunk: the same
        type(framing)(limit=100).feed(b"data: " + b"x" * 200 + b"\n\n")


def test_encode_writes_a_data_line_for_each_line() -> None:
    raw = SSE().encode("a\nb\r\nc\rd", "e")
    assert raw == b"event: e\ndata: a\ndata: b\ndata: c\ndata: d\n\n"
    assert seen(sse(raw)) == [("e", "a\nb\nc\nd", None)]
    assert SSE().encode({"a": "é"}) == 'data: {"a":"é"}\n\n'.encode()


# --- StreamGuard.finish ------------------------------------------------------------------

def _chunk(text: str) -> bytes:
    return b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": text}}]},
                                  separators=(",", ":")).encode()


async def test_finish_guards_the_event_left_pending() -> None:
    s = StreamGuard(dialect("openai.chat"), SSE(), None, None, 0, False)
    out = await s.feed(_chunk("He") + b"\n\n" + _chunk("llo") + b"\n")
    out += await s.finish()
    events = sse(out)
    texts = [e.json()["choices"][0]["delta"]["content"] for e in events if e.json()]
    assert texts == ["He", "llo"]
    assert out.endswith(b"\n")


async def test_finish_ends_an_open_event_before_writing_more() -> None:
    s = StreamGuard(dialect("openai.chat"), SSE(), None, None, 0, False)
    answers: list[dict[str, Any]] = []

    async def judge(answer: dict[str, Any]) -> Denial:
        answers.append(answer)
        return Denial("judge", "refused", 403)

    s.closing = judge
    out = await s.feed(b": ka\n\n") + await s.feed(b"data: not json")
    out += await s.finish()
    assert answers  # the whole-answer checks ran at the end, and denied
    assert out.startswith(b": ka\n\ndata: not json\n\n")  # forwarded as it came, then ended
    events = sse(out)
    assert next(e.data for e in events if not e.comment) == "not json"
    assert "refused" in events[-1].data


# --- property: any cut, any line ends ----------------------------------------------------

_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\r\n"),
                max_size=12)
_name = st.none() | st.text(st.sampled_from("abc_."), min_size=1, max_size=5)
_id = st.none() | st.text(st.sampled_from("0123456789ab"), max_size=4)
_event = st.tuples(_name, st.lists(_text, min_size=1, max_size=3), _id,
                   st.lists(_text, max_size=2))
_ENDS = (b"\n", b"\r\n", b"\r")


def _lines(name: str | None, data: list[str], id: str | None, notes: list[str]) -> list[str]:
    lines = [f":{note}" for note in notes]
    lines += [f"event: {name}"] if name else []
    lines += [f"id: {id}"] if id is not None else []
    return lines + [f"data: {line}" for line in data] + [""]


@settings(max_examples=200, deadline=None)
@given(st.lists(_event, max_size=5), st.data())
def test_any_cut_any_line_ends(events: list[tuple[Any, ...]], draw: st.DataObject) -> None:
    lines = [line for event in events for line in _lines(*event)]
    plain = "".join(f"{line}\n" for line in lines).encode()
    ends = draw.draw(st.lists(st.sampled_from(_ENDS), min_size=len(lines),
                              max_size=len(lines)))
    for i in range(1, len(lines)):  # a CR then an empty line ended by LF would be one CRLF
        if ends[i - 1] == b"\r" and not lines[i] and ends[i] == b"\n":
            ends[i] = b"\r\n"
    raw = b"".join(line.encode() + end for line, end in zip(lines, ends, strict=True))
    cuts = sorted(draw.draw(st.lists(st.integers(0, len(raw)), max_size=8)))
    framing, got = SSE(), []
    for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True):
        got += framing.feed(raw[a:b])
    got += framing.end()
    want = [(name, "\n".join(data), id) for name, data, id, _ in events]
    assert seen(got) == seen(sse(plain)) == want
    assert b"".join(e.raw for e in got) == raw
    if lines:  # the same stream without its final blank line: end() yields the last event
        cut = raw[: -len(ends[-1])]
        assert seen(sse(cut)) == want
