"""Strict JSON (guard.envelope.strict): what parsers read differently is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.envelope.strict import AmbiguousJSON, loads_strict


@pytest.mark.parametrize("text", [
    '{"model": "a", "model": "b"}',
    '{"a": {"b": 1, "b": 1}}',
    '[{"x": 1}, {"y": {"z": [{"q": 1, "q": 2}]}}]',
    '{"": 1, "": 2}',
    '{"a\\u0062": 1, "ab": 2}',  # the same key, spelled once escaped
])
def test_repeated_keys_are_refused_at_any_depth(text: str) -> None:
    with pytest.raises(AmbiguousJSON, match="appears twice"):
        loads_strict(text)


@pytest.mark.parametrize("text", [
    '{"model": "a", "Model": "b"}', '{"MODEL": 1, "Model": 2}',
    '{"messages": [{"Role": "system", "role": "user"}]}',
    '{"\\u017f": 1, "S": 2}',  # long s: Go's EqualFold takes it for "s"
    '{"\\u212a": 1, "k": 2}',  # Kelvin sign
    '{"\\u0131": 1, "I": 2}',  # dotless i: .NET upper-cases it to "I"
    '{"\\u00e9": 1, "\\u00c9": 2}',
])
def test_keys_differing_only_in_case_are_refused(text: str) -> None:
    with pytest.raises(AmbiguousJSON, match="differ only in case"):
        loads_strict(text)


@pytest.mark.parametrize("text", [
    '"\\ud800"', '"\\udc00\\ud800"', '"a\\uDBFFb"', '{"\\ud800": 1}', '["\\ud83d"]',
    '"\ud800"',  # a str can hold one unescaped
])
def test_lone_surrogates_are_refused(text: str) -> None:
    with pytest.raises(AmbiguousJSON, match="surrogate"):
        loads_strict(text)


def test_surrogate_pairs_and_escaped_backslashes_are_fine() -> None:
    assert loads_strict('"\\ud83d\\ude00"') == "\U0001f600"
    assert loads_strict('"\\uD83D\\uDE00"') == "\U0001f600"
    assert loads_strict('"\\\\ud800"') == "\\ud800"  # a backslash, then text


@pytest.mark.parametrize("text", ["1e400", "-1e400", "[1E400]", '{"max_tokens": 1e99999}'])
def test_numbers_out_of_a_doubles_range_are_refused(text: str) -> None:
    with pytest.raises(AmbiguousJSON, match="out of range"):
        loads_strict(text)


@pytest.mark.parametrize("text", [
    str(2**63), str(-(2**63) - 1), "1" + "0" * 400, "-" + "9" * 5000, "9" * 100_000,
    '{"a": [1, 2, 99999999999999999999]}', '{"seed": 18446744073709551615}',
])
def test_integers_beyond_64_bits_are_refused(text: str) -> None:
    with pytest.raises(AmbiguousJSON, match="out of range") as caught:
        loads_strict(text)
    assert "set_int_max_str_digits" not in str(caught.value)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize("text", [
    str(2**63 - 1), str(-(2**63)), "1234567890123456789", "0.12345678901234567890123",
    '"12345678901234567890123"', '[1, "99999999999999999999999", 2]',
])
def test_integers_in_range_and_long_digit_runs_elsewhere_read_as_usual(text: str) -> None:
    assert loads_strict(text) == json.loads(text)


def test_a_huge_output_cap_is_clamped() -> None:
    from guard.envelope import parse_request
    from guard.envelope.parse import MAX_CAP

    body = {"model": "gpt-4o", "max_tokens": 10**400, "messages": []}  # a caller's dict
    assert parse_request(body, path="/v1/chat/completions").max_tokens == MAX_CAP


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"t": -Infinity}'])
def test_nan_and_infinity_are_not_json(text: str) -> None:
    with pytest.raises(ValueError, match="not valid JSON"):
        loads_strict(text)


@pytest.mark.parametrize("data", [b'{"a": "\xff"}', b'{"a": "\xed\xa0\x80"}', b'"\xc3"'])
def test_bytes_that_are_not_utf8_are_refused(data: bytes) -> None:
    with pytest.raises(UnicodeDecodeError):
        loads_strict(data)


@pytest.mark.parametrize(("text", "value"), [
    ('{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}',
     {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}),
    ('{"a": 1, "b": [true, null, 1.5, -0.0, "x"]}', {"a": 1, "b": [True, None, 1.5, -0.0, "x"]}),
    ('{"A": 1, "b": 2, "\\u00e9": 3, "e": 4}', {"A": 1, "b": 2, "é": 3, "e": 4}),
    ("1" * 18, int("1" * 18)), ("1e308", 1e308), ('"' + "1" * 400 + '"', "1" * 400),
    ("[]", []), ("{}", {}),
])
def test_ordinary_json_reads_as_usual(text: str, value: Any) -> None:
    assert loads_strict(text) == value
    assert loads_strict(text.encode()) == value


INTS = st.integers(-(2**63), 2**63 - 1)  # the JSON integers guard reads
JSON = st.recursive(
    st.none() | st.booleans() | INTS | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=4),
    max_leaves=20)


def _keys_fold_apart(value: Any) -> bool:
    """No object holds two keys a case-blind parser could take for one (Unicode case folding,
    and the dotless i that .NET upper-cases to "I")."""
    if isinstance(value, dict):
        folds = {key.casefold().replace("\u0131", "i") for key in value}
        return len(folds) == len(value) and all(map(_keys_fold_apart, value.values()))
    if isinstance(value, list):
        return all(map(_keys_fold_apart, value))
    return True


@settings(max_examples=300, deadline=None)
@given(JSON, st.booleans())
def test_json_written_out_reads_back(value: Any, ascii_only: bool) -> None:
    if not _keys_fold_apart(value):
        with pytest.raises(AmbiguousJSON):
            loads_strict(json.dumps(value, ensure_ascii=ascii_only))
        return
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert loads_strict(text) == value
    assert loads_strict(text.encode()) == value
