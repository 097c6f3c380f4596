"""US social security numbers: every writing found, numbers never issued refused, and no
phone reading of an SSN's digits outranks it (guard/pii/shapes.py, guard/pii/build.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.pii.build import build_detector
from guard.pii.catalog import DEFAULT_PHONE_REGIONS
from guard.pii.shapes import never_issued, ssn_shaped
from guard.policy.types import PiiPolicy

ENTITIES = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN"]
DETECTOR = build_detector(PiiPolicy(name="p", type="pii", entities=ENTITIES), None,
                          DEFAULT_PHONE_REGIONS)


def found(text: str) -> list[tuple[str, str]]:
    return [(f.entity, text[f.start:f.end]) for f in DETECTOR.find(text)]


@pytest.mark.parametrize("template", [
    "SSN: {}", "My social security number is {}.", "SSN#{}", "Social Security No. {}",
    "ssn {} for the W-2", "Employee SSN - {}", "SS# {}", "my number is {}", "Number: {}",
    "Please verify {} for Jane",
])
@pytest.mark.parametrize("ssn", ["536-22-1234", "536 22 1234", "536.22.1234"])
def test_ssns_written_in_groups_are_ssns_whatever_is_said_before(template: str,
                                                                 ssn: str) -> None:
    assert found(template.format(ssn)) == [("US_SSN", ssn)]


@pytest.mark.parametrize("template", [
    "SSN: {}", "My social security number is {}.", "SSN#{}", "Social Security No. {}",
    "SS# {}",
])
@pytest.mark.parametrize("ssn", ["034327050", "536221234", "123450987"])
def test_nine_bare_digits_after_an_ssn_word_are_an_ssn_not_a_phone(template: str,
                                                                   ssn: str) -> None:
    assert found(template.format(ssn)) == [("US_SSN", ssn)]


@pytest.mark.parametrize("ssn", ["000-12-3456", "666-12-3456", "536-00-1234", "536-22-0000"])
def test_numbers_the_ssa_never_issues_are_not_ssns(ssn: str) -> None:
    assert [e for e, _ in found(f"SSN: {ssn}")] == []


@pytest.mark.parametrize("ssn", ["900-12-3456", "987-65-4321", "912 34 5678"])
def test_areas_never_issued_are_ssns_only_where_an_ssn_word_names_them(ssn: str) -> None:
    # 9xx: taxpayer numbers (ITINs); given as an SSN, reported as one
    assert [e for e, _ in found(f"see {ssn} today")] == []
    assert [e for e, _ in found(f"ITIN {ssn}")] == []
    assert found(f"SSN: {ssn}") == [("US_SSN", ssn)]
    assert found(f"my social security number is {ssn}") == [("US_SSN", ssn)]


@settings(max_examples=100, deadline=None)
@given(area=st.integers(1, 899).filter(lambda a: a != 666), group=st.integers(1, 99),
       serial=st.integers(1, 9999), sep=st.sampled_from(["-", " "]))
def test_every_issuable_ssn_in_groups_is_found(area: int, group: int, serial: int,
                                               sep: str) -> None:
    ssn = f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"
    if len(set(ssn.replace(sep, ""))) > 1:  # Presidio refuses one digit repeated
        assert found(f"her SSN is {ssn}") == [("US_SSN", ssn)]
    assert ssn_shaped(ssn)
    assert not never_issued(ssn, 0, len(ssn))
