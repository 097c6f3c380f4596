"""IBANs in any letter case, one case per IBAN (guard/pii/ibans.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from guard.pii.build import pattern_recognizer
from guard.pii.catalog import DEFAULT_PHONE_REGIONS
from tests.pii.test_properties_shapes import ibans

IBANS = pattern_recognizer("IBAN_CODE", DEFAULT_PHONE_REGIONS)


def found(text: str) -> list[str]:
    return [text[f.start:f.end] for f in IBANS.find(text)]


@pytest.mark.parametrize("written", [
    "GB82WEST12345698765432", "gb82west12345698765432", "GB82 WEST 1234 5698 7654 32",
    "gb82 west 1234 5698 7654 32", "DE89-3704-0044-0532-0130-00", "de89370400440532013000",
    "fr14 2004 1010 0505 0001 3m02 606",
])
def test_an_iban_is_found_in_upper_or_lower_case_and_any_usual_spacing(written: str) -> None:
    assert found(f"my iban is {written}, thanks") == [written]


@pytest.mark.parametrize("text", [
    "LV80 bANK 0000 4351 9500 1",                   # letters in two cases
    "CY17 0020 0128 0000 0012 0052 7601 failed",    # an IBAN run on into a word
    "gb82west12345698765433",                       # a check digit off
    "de89 3704 0044 0532 0130 01",
    "the hash ab12cdef3456789012345678 matched",    # a lower-case token, no IBAN
])
def test_mixed_case_and_bad_checksums_are_not_ibans(text: str) -> None:
    assert found(text) == []


@settings(max_examples=60, deadline=None)
@given(iban=ibans())
def test_every_generated_iban_is_found_whole(iban: str) -> None:
    text = f"Please transfer the refund to {iban}."
    assert found(text) == [iban]
