"""guard.pii.patterns: Presidio's pattern recognizers run without their bookkeeping find
exactly what ``analyze`` finds, and a timeout is an error, not a miss."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.errors import CheckError
from guard.pii.build import pattern_recognizer
from guard.pii.catalog import DEFAULT_PHONE_REGIONS, PATTERN_ENTITIES
from guard.pii.patterns import PatternTimeout, finder

DIRECT = sorted(name for name, spec in PATTERN_ENTITIES.items()
                if spec.recognizer != "guard" and name != "IBAN_CODE")
"""Every predefined pattern entity guard runs through Presidio's base ``analyze``."""

FRAGMENTS = [
    "jane.doe@example.com", "a@b.co", "x.y+tag@mail.example.org", "@@", "me@localhost",
    "4539 1488 0343 6467", "4111-1111-1111-1111", "378282246310005", "1234 5678 9012 3456",
    "192.168.10.24", "10.0.0.256", "2001:db8::1", "fe80::", "1.2.3.4.5",
    "536-22-1234", "078-05-1120", "912-70-1234", "123456789", "000-12-3456",
    "https://example.com/a?b=c", "www.example.org", "example.co.uk", "ftp://x.y",
    "00:1A:2B:3C:4D:5E", "0011.2233.4455", "123e4567-e89b-12d3-a456-426614174000",
    "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    "2026-12-06", "12/06/2026", "December 6, 2026", "A123456", "AB1234567", "1EG4-TE5-MK73",
    "1245319599", "011000015", "943 476 591", "K1A 0B1", "SW1A 1AA", "QQ 12 34 56 C",
    "ABCDE1234F", "2345 6789 0123", "12345678Z", "X1234567L", "RSSMRA85T10A562S",
    "51 824 753 556", "004 085 616", "123 456 782", "2123 45670 1",
    " ", "  ", "\n", ", ", ". ", ":", "-", "(", ")", "mail", "card", "ssn", "ip", "date",
    "é", "ü", "中", "Ⅻ", "x", "9", "0", "_",
]


def _reference(recognizer: Any, entity: str, text: str) -> list[tuple[int, int, float]]:
    return sorted((r.start, r.end, float(r.score))
                  for r in recognizer.analyze(text, [entity], None) if r.entity_type == entity)


@pytest.mark.parametrize("entity", DIRECT)
def test_every_direct_entity_has_a_finder(entity: str) -> None:
    recognizer = pattern_recognizer(entity, tuple(DEFAULT_PHONE_REGIONS)).recognizer
    assert finder(recognizer) is not None


def test_a_recognizer_with_its_own_analyze_keeps_it() -> None:
    iban = pattern_recognizer("IBAN_CODE", tuple(DEFAULT_PHONE_REGIONS)).recognizer
    assert finder(iban) is None
    assert finder(iban.recognizer) is None  # Presidio's IBAN recognizer overrides analyze


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(DIRECT), st.lists(st.sampled_from(FRAGMENTS), max_size=14))
def test_findings_are_those_of_analyze(entity: str, parts: list[str]) -> None:
    text = "".join(parts)
    recognizer = pattern_recognizer(entity, tuple(DEFAULT_PHONE_REGIONS)).recognizer
    direct = finder(recognizer)
    assert direct is not None
    assert sorted(direct(text)) == _reference(recognizer, entity, text)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["EMAIL_ADDRESS", "IP_ADDRESS", "URL", "CREDIT_CARD", "US_SSN"]),
       st.text(max_size=60))
def test_findings_on_any_text_are_those_of_analyze(entity: str, text: str) -> None:
    recognizer = pattern_recognizer(entity, tuple(DEFAULT_PHONE_REGIONS)).recognizer
    direct = finder(recognizer)
    assert direct is not None
    assert sorted(direct(text)) == _reference(recognizer, entity, text)


def test_a_timed_out_pattern_is_a_check_error_not_a_miss() -> None:
    direct = finder(pattern_recognizer("EMAIL_ADDRESS", tuple(DEFAULT_PHONE_REGIONS))
                    .recognizer)
    assert direct is not None
    direct.timeout = 0.0  # type: ignore[attr-defined]
    with pytest.raises(PatternTimeout) as raised:
        direct("x" * 5000 + "@example.com")
    assert isinstance(raised.value, CheckError)
