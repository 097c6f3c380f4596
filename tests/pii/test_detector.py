"""The detector: windows equal whole-text runs, scores, allow lists, overlaps."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from guard.pii.build import build_detector, pattern_recognizer
from guard.pii.catalog import DEFAULT_PHONE_REGIONS
from guard.pii.detector import Detector, resolve_overlaps
from guard.pii.recognizers import CustomPattern, DenyList, Finding, windows, words
from guard.policy.types import PiiPolicy
from guard.regex import compile_regex

MAIN = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN"]


def detector(**fields: object) -> Detector:
    policy = PiiPolicy.model_validate({"name": "p", "type": "pii", **fields})
    return build_detector(policy, None, DEFAULT_PHONE_REGIONS)


def found(text: str, **fields: object) -> list[tuple[str, str]]:
    return [(f.entity, text[f.start:f.end]) for f in detector(**fields).find(text)]


def test_finds_each_main_entity_with_its_exact_span() -> None:
    text = ("mail jane.roe@example.com or call +44 20 7946 0958; card 4539 1488 0343 6467, "
            "iban DE89 3704 0044 0532 0130 00, host 192.168.10.24, ssn 536-22-1234.")
    assert found(text) == [
        ("EMAIL_ADDRESS", "jane.roe@example.com"), ("PHONE_NUMBER", "+44 20 7946 0958"),
        ("CREDIT_CARD", "4539 1488 0343 6467"), ("IBAN_CODE", "DE89 3704 0044 0532 0130 00"),
        ("IP_ADDRESS", "192.168.10.24"), ("US_SSN", "536-22-1234")]


def test_text_without_candidates_runs_no_recognizer() -> None:
    d = detector()
    assert d._runnable("just words here, nothing else") == []
    assert d.find("just words here, nothing else") == []


def test_allow_list_is_case_insensitive_and_exact() -> None:
    text = "write to Support@Example.com or ops@example.com"
    assert found(text, allow=["support@example.com"]) == [("EMAIL_ADDRESS", "ops@example.com")]


def test_min_score_drops_weak_findings() -> None:
    text = "call 212-555-0182 today"
    assert found(text, entities=["PHONE_NUMBER"]) == [("PHONE_NUMBER", "212-555-0182")]
    assert found(text, entities=["PHONE_NUMBER"], min_score=0.9) == []


def test_context_words_raise_weak_scores() -> None:
    policy = {"entities": ["EMAIL_ADDRESS"],
              "recognizers": [{"entity": "EMPLOYEE_ID", "patterns": [r"E\d{5}"], "score": 0.2,
                               "context": ["employee", "staff id"]}]}
    assert found("ticket E12345 closed", **policy) == []
    assert found("employee E12345 joined", **policy) == [("EMPLOYEE_ID", "E12345")]
    assert found("the staff id is E12345", **policy) == [("EMPLOYEE_ID", "E12345")]


def test_deny_list_matches_whole_words_in_any_case_and_script() -> None:
    text = "Zeus and zeusx and apollo,Apollo; ÄZeus"
    d = DenyList("CODENAME", ["zeus", "apollo"])
    assert [text[f.start:f.end] for f in d.find(text)] == ["Zeus", "apollo", "Apollo"]


def test_zero_width_and_confusables_do_not_hide_pii() -> None:
    text = "mail jane\u200b.roe@ex\u0430mple.com now"  # zero-width space, Cyrillic a
    [(entity, value)] = found(text, entities=["EMAIL_ADDRESS"])
    assert entity == "EMAIL_ADDRESS" and value == "jane\u200b.roe@ex\u0430mple.com"


def test_overlaps_keep_the_higher_score_then_the_longer_span() -> None:
    a, b, c = Finding("A", 0, 10, 0.5), Finding("B", 5, 8, 0.9), Finding("C", 9, 20, 0.5)
    assert resolve_overlaps([a, b, c]) == [b, c]
    assert resolve_overlaps([Finding("A", 0, 4, 0.5), Finding("B", 0, 6, 0.5)]) == [
        Finding("B", 0, 6, 0.5)]


def test_windows_are_cut_at_whitespace_and_merged() -> None:
    locate = compile_regex("@")
    text = "aaa bbb x@y.com ccc " + "d" * 40 + " e@f.com"
    spans = list(windows(text, locate))
    assert all(text[s - 1].isspace() or s == 0 for s, _ in spans)
    assert all(e == len(text) or text[e].isspace() for _, e in spans)
    assert sum(text[s:e].count("@") for s, e in spans) == 2


def test_a_huge_token_falls_back_to_the_whole_text() -> None:
    text = "x" * 600 + "@example.com" + "y" * 600
    assert list(windows(text, compile_regex("@"))) == [(0, len(text))]


def test_custom_pattern_runs_on_re2() -> None:
    recognizer = CustomPattern("TICKET", [r"TCK-\d{4}"], 0.7, [])
    assert [(f.start, f.end) for f in recognizer.find("see TCK-1234, TCK-9")] == [(4, 12)]


# --- windows never change what the recognizers find -------------------------------------

PIECES = ["jane.roe@example.com", "+1 (415) 555-0199", "415.555.0199", "+49 30 901820",
          "+1-984-182-0190", "+447700 921 916", "+46 (0)178 362 41", "+1-917-286-3051x412",
          "61-47-29-83", "688 413 927", "(38) 714-052", "0491 62 37 18", "458 2716",
          "0896 69", "03.04.2024", "2024-05-17", "20 24 05 17",
          "4539 1488 0343 6467", "4539-1488-0343-6467", "4716 2914 1777 6317 068",
          "2223398259791908", "5018 9458 0734", "213135623012389",
          "DE89 3704 0044 0532 0130 00", "RS35 2600 0560 1001 6113 70",
          "GB82WEST12345698765432", "FR14 2004 1010 0505 0001 3M02 606",
          "AL47 2121 1009 0000 0002 3569 8741", "10.0.0.1", "2001:db8::8a2e:370:7334",
          "536-22-1234", "536 22 1234", "2024-03-01", "v1.2.3", "order #100234", "12:30:45", "a@b",
          "4012-8888-8888-1881", "4012888888881881", "gb82 west 1234 5698 7654 32",
          "1.3.6.1.4.1.311", "2.5.4.3", "version 4.3.2.1", "Bestellnummer", "4155550123",
          "SS#", "900-12-3456", "034327050",
          "(", ")", "-", ".", "+", ":", "@"]
WORDS = st.sampled_from(["the", "call", "card", "ip", "ssn", "mail", "x", "\n", "  ", "42",
                         "phone:", "iban", "to", "at", "office", "(fax)", "-Mobile", "tel.",
                         "reach me at", "Telefon", "whatsapp", "number", "Order", "#",
                         "ticket", "created_at=", "phone=", "no."])
SEPARATORS = st.sampled_from([" ", " ", "", ",", "\n", ": ", "; ", "\t", "/", "-"])
TEXTS = st.lists(st.tuples(st.one_of(st.sampled_from(PIECES), WORDS, st.text(max_size=6)),
                           SEPARATORS), max_size=30).map(
    lambda parts: "".join(piece + sep for piece, sep in parts))


@pytest.mark.parametrize("entity", MAIN)
@settings(max_examples=60, deadline=None)
@given(text=TEXTS)
def test_windowed_run_equals_whole_text_run(entity: str, text: str) -> None:
    part = pattern_recognizer(entity, DEFAULT_PHONE_REGIONS)
    whole = pattern_recognizer(entity, DEFAULT_PHONE_REGIONS, windowed=False)
    assert part.candidate is not None  # every main entity is gated by a candidate
    assert _spans(part.find(text)) == _spans(whole.find(text))


def _spans(findings: list[Finding]) -> set[tuple[int, int, float]]:
    return {(f.start, f.end, round(f.score, 6)) for f in findings}


# --- skipping candidates that would lose never changes the answer -----------------------

CONTEXT = st.sampled_from(["phone", "call", "number", "ip", "ssn", "card", "iban", "mobile",
                           "fax", "office", "tel"])
MIXED = st.lists(st.tuples(st.one_of(st.sampled_from(PIECES), WORDS, CONTEXT), SEPARATORS),
                 max_size=40).map(lambda parts: "".join(p + sep for p, sep in parts))


@settings(max_examples=150, deadline=None)
@given(text=MIXED)
@example(text="RS35 2600 0560 1001 6113 70 phone60-56-85-91 ")  # a window cut a candidate
def test_detector_equals_whole_text_recognizers_and_overlap_resolution(text: str) -> None:
    # the reference runs every recognizer over the whole text, from the highest possible
    # score down, each told what outranks it so far: the detector's semantics without
    # windows, candidate gating or skipping
    fast = detector(entities=MAIN)
    reference = sorted((pattern_recognizer(e, DEFAULT_PHONE_REGIONS, windowed=False)
                        for e in MAIN), key=lambda r: -r.max_score)
    found: list[Finding] = []
    for r in reference:
        winners = resolve_overlaps(found) if found and r.max_score < 1 else ()
        found += [f for f in r.find(text, winners) if f.score >= fast.min_score]
    assert fast.find(text) == resolve_overlaps(found)


@given(st.text(max_size=60))
@example("é_x2 ٣²½ e\u0301 a\u200bb")
def test_context_words_are_the_runs_of_alphanumeric_characters(text: str) -> None:
    # the regex behind words() must agree with str.isalnum, which defines a word here
    assert words(text) == "".join(c if c.isalnum() else " " for c in text).split()
