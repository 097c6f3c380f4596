"""IBANs in any letter case, one case per IBAN (guard/pii/ibans.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.pii.build import build_detector, pattern_recognizer
from guard.pii.catalog import DEFAULT_PHONE_REGIONS
from guard.policy.types import PiiPolicy
from tests.pii.test_properties_shapes import ibans

IBANS = pattern_recognizer("IBAN_CODE", DEFAULT_PHONE_REGIONS)
DETECTOR = build_detector(PiiPolicy(name="pii", type="pii"), None, DEFAULT_PHONE_REGIONS)


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


@settings(max_examples=60, deadline=None)
@given(iban=ibans(), gap=st.sampled_from([" ", "  ", "   ", "-"]), lower=st.booleans(),
       sentence=st.sampled_from(["Überweisen Sie bitte auf {} bis Freitag.", "IBAN:{}",
                                 "virement vers le compte {}, merci", "Cuenta {}; ref 2291"]))
def test_an_iban_with_valid_check_digits_is_found_whatever_its_case_and_spacing(
        iban: str, gap: str, lower: bool, sentence: str) -> None:
    compact = iban.replace(" ", "")
    written = gap.join(compact[i:i + 4] for i in range(0, len(compact), 4))
    written = written.lower() if lower else written.upper()
    text = sentence.format(written)
    start = text.index(written)
    assert [(f.start, f.end) for f in DETECTOR.find(text) if f.entity == "IBAN_CODE"] == [
        (start, start + len(written))]


@pytest.mark.parametrize("text", ["DE89  3704  0044  0532  0130  00",
                                  "gb82   west 1234 5698 7654 32"])
def test_groups_spaced_wider_are_one_iban(text: str) -> None:
    assert found(f"Konto {text}.") == [text]


def test_groups_spaced_wider_than_a_few_spaces_are_columns() -> None:
    assert found("DE89    3704    0044    0532    0130    00") == []
