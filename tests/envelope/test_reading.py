"""An answer read by its content: JSON whatever the content type, ambiguous JSON read the
common way and written out again, text as text, anything else as bytes."""

from __future__ import annotations

import json

from guard.envelope.reading import read_answer


def test_json_text_and_bytes() -> None:
    assert read_answer(b'{"a": 1}').kind == "json"
    assert read_answer(b"[1, 2]").value == [1, 2]
    assert read_answer("plain words, é".encode()).value == "plain words, é"
    assert read_answer(b"\xff\xd8\xff\xe0 jpeg bytes").kind == "bytes"


def test_ambiguous_json_is_read_the_common_way_and_rewritten() -> None:
    twice = read_answer(b'{"text": "first", "text": "second"}')
    assert (twice.value, twice.rewritten) == ({"text": "second"}, True)
    lone = read_answer(b'{"text": "a \\ud800 b"}')
    assert lone.rewritten and "\ud800" not in json.dumps(lone.value, ensure_ascii=False)
    json.dumps(lone.value, ensure_ascii=False).encode()  # writable as UTF-8
