"""Properties: offset maps round-trip, redaction removes what it found and nothing else."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from guard.checks.content import merged_spans
from guard.content.normalize import collapse_spacing, fold_char, normalize
from guard.content.scanner import Detectors, Scanner

SCANNER = Scanner(Detectors(secrets=True, prompt_injection=True, keywords=("project zeus",),
                            patterns=(("ticket", "TCK-[0-9]{5}", "i"),)))
EVASIONS = ["", "\u200b", "\u202e", "\u00ad", "\u2060"]
SECRETS = ["ghp_" + "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5", "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
           "AKIAQWERTYUIOPASDF23", "TCK-12345"]


@given(st.text(), st.booleans())
def test_offset_map_round_trips(text: str, fold_case: bool) -> None:
    norm = normalize(text, fold_case)
    if not text.isascii():
        assert norm.text == "".join(fold_char(c, fold_case) for c in text)
    for i in range(len(norm.text)):
        start, end = norm.start_of(i), norm.end_of(i)
        assert 0 <= start < end <= len(text)
        assert norm.text[i] in normalize(text[start:end], fold_case).text
    for i in range(1, len(norm.text)):
        assert norm.start_of(i - 1) <= norm.start_of(i)


@given(st.text(), st.integers(0, 50), st.integers(0, 50))
def test_spans_map_inside_the_original(text: str, a: int, b: int) -> None:
    norm = collapse_spacing(normalize(text))
    a, b = sorted((min(a, len(norm.text)), min(b, len(norm.text))))
    start, end = norm.span(a, b)
    assert 0 <= start <= end <= len(text)
    source = normalize(text[start:end]).text
    assert all(char in source for char in norm.text[a:b])


@settings(max_examples=300)
@given(st.text(max_size=300), st.booleans())
def test_scanner_never_crashes_and_hits_stay_in_bounds(text: str, tool: bool) -> None:
    for hit in SCANNER.scan(text, tool_result=tool).hits:
        assert 0 <= hit.start <= hit.end <= len(text)


def _redact(text: str) -> tuple[str, list[tuple[int, int]]]:
    spans = merged_spans([(h.start, h.end) for h in SCANNER.scan(text).hits])
    out, position = [], 0
    for start, end in spans:
        out += [text[position:start], "***"]
        position = end
    out.append(text[position:])
    return "".join(out), spans


@given(st.text(max_size=40), st.text(max_size=40), st.sampled_from(SECRETS),
       st.sampled_from(EVASIONS), st.integers(1, 8))
def test_redaction_removes_the_secret_and_only_touches_its_span(
        before: str, after: str, secret: str, evasion: str, cut: int) -> None:
    text = f"{before} {secret[:cut]}{evasion}{secret[cut:]} {after}"
    where = (len(before) + 1, len(before) + 1 + len(secret) + len(evasion))
    redacted, spans = _redact(text)
    assert secret.lower() not in normalize(redacted).text
    assert any(start <= where[0] and where[1] <= end for start, end in spans)
    assert redacted.startswith(text[:spans[0][0]])  # nothing outside the spans changes
    assert redacted.endswith(text[spans[-1][1]:])
    for (_, end), (start, _) in pairwise(spans):
        assert text[end:start] in redacted
