"""guard.regex: RE2 for every pattern a policy supplies, and its ASCII fast path."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from guard.regex import compile_regex, group_spans, spans

PATTERNS = ["a*", "(?P<secret>x?)b?", "(a)|(b)", "[ab]+", "x|", "-(?P<s>0|1)", "@"]


@settings(max_examples=300)
@given(st.text(alphabet="ab_x- 01@", max_size=30), st.sampled_from(PATTERNS))
def test_ascii_spans_are_those_of_finditer(text: str, pattern: str) -> None:
    regex = compile_regex(pattern)
    expected = [[m.span(g) for g in range(regex.groups + 1)] for m in regex.finditer(text)]
    assert [list(found) for found in group_spans(regex, text)] == expected
    assert list(spans(regex, text)) == [m.span() for m in regex.finditer(text)]


@settings(max_examples=200)
@given(st.text(alphabet="aé中\U0001f600b @-", max_size=30), st.sampled_from(PATTERNS))
def test_spans_of_other_text_are_character_offsets(text: str, pattern: str) -> None:
    regex = compile_regex(pattern)
    assert list(spans(regex, text)) == [m.span() for m in regex.finditer(text)]
