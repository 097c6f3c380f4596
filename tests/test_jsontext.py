"""guard's JSON writer: the same JSON value as ``json`` writes, and ``json``'s own outcome
for whatever orjson refuses."""

from __future__ import annotations

import json

import pytest

from guard import jsontext


@pytest.mark.parametrize("value", [
    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "héllo \u2028 \x00 \"q\""}]},
    {"n": 2**63 - 1, "m": -(2**63), "f": 1e16, "g": 0.1, "t": True, "z": None, "e": [], "o": {}},
    {"emoji": "\U0001f600", "cjk": "漢字", "escapes": "a\\b/c\n\t"},
    [1, "two", {"three": [3.0]}],
])
def test_writes_the_value_json_writes(value: object) -> None:
    written = jsontext.dumps(value)
    assert json.loads(written) == value
    assert written.decode("utf-8") == json.dumps(value, ensure_ascii=False,
                                                 separators=(",", ":"))


def test_what_orjson_refuses_goes_to_json() -> None:
    assert json.loads(jsontext.dumps({"big": 2**70})) == {"big": 2**70}
    assert json.loads(jsontext.dumps({1: "a"})) == {"1": "a"}
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate: no UTF-8 text holds it
        jsontext.dumps({"s": "\ud800"})
    with pytest.raises(TypeError):
        jsontext.dumps({"x": object()})
