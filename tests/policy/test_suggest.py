""""Did you mean" knows short forms, case and separators, and stays quiet when unsure."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guard.pii.catalog import NER_ENTITIES, PATTERN_ENTITIES
from guard.policy.suggest import closest
from guard.policy.types import POLICY_TYPES

ENTITIES = sorted({*PATTERN_ENTITIES, *NER_ENTITIES})


@pytest.mark.parametrize(("name", "meant"), [
    ("EMAIL", "EMAIL_ADDRESS"), ("email", "EMAIL_ADDRESS"), ("EMAILS", "EMAIL_ADDRESS"),
    ("PHONE", "PHONE_NUMBER"), ("SSN", "US_SSN"), ("IBAN", "IBAN_CODE"),
    ("CREDITCARD", "CREDIT_CARD"), ("credit-card", "CREDIT_CARD"), ("PERSN", "PERSON"),
    ("EMAIL_ADRESS", "EMAIL_ADDRESS"), ("ip address", "IP_ADDRESS"),
])
def test_entities(name: str, meant: str) -> None:
    assert closest(name, ENTITIES) == meant


@pytest.mark.parametrize("name", ["PASSPORT", "ADDRESS", "FOO", "EMAIL_ADDRESS", ""])
def test_no_suggestion_when_ambiguous_unknown_or_right(name: str) -> None:
    assert closest(name, ENTITIES) is None


@pytest.mark.parametrize(("name", "meant"), [
    ("ratelimit", "rate_limit"), ("Rate-Limit", "rate_limit"), ("budgets", "budget"),
    ("rules", "rule"), ("Route", "route"), ("contnet", "content"),
])
def test_policy_types(name: str, meant: str) -> None:
    assert closest(name, POLICY_TYPES) == meant


@given(st.text(max_size=20), st.lists(st.text(max_size=20), max_size=10))
def test_a_suggestion_is_one_of_the_choices_and_never_the_name_itself(
        name: str, choices: list[str]) -> None:
    found = closest(name, choices)
    assert found is None or (found in choices and found != name)
