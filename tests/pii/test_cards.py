"""Card numbers: the networks' issuer ranges, Luhn, and a candidate in every match."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.pii.build import pattern_recognizer
from guard.pii.cards import ISSUER_RANGES, card_pattern
from guard.pii.catalog import DEFAULT_PHONE_REGIONS, PATTERN_ENTITIES
from guard.regex import compile_regex
from tests.pii.numbers import luhn_digit

CARDS = pattern_recognizer("CREDIT_CARD", DEFAULT_PHONE_REGIONS)
PHONE = pattern_recognizer("PHONE_NUMBER", DEFAULT_PHONE_REGIONS)



def card(first_four: str, length: int, seed: int) -> str:
    rng = random.Random(seed)
    body = first_four + "".join(rng.choice("0123456789") for _ in range(length - 5))
    return body + luhn_digit(body)


def examples() -> list[tuple[str, str, int]]:
    """One made-up number per (network, length), from a first-four inside its range."""
    found = []
    for network, first_four, lengths in ISSUER_RANGES:
        rng = random.Random(network)
        prefixes = [f"{n:04d}" for n in range(10000) if re.fullmatch(first_four, f"{n:04d}")]
        for length in lengths:
            found.append((network, card(rng.choice(prefixes), length, length), length))
    return found


@pytest.mark.parametrize(("network", "number", "length"), examples())
def test_every_issued_range_and_length_is_found_when_luhn_holds(network: str, number: str,
                                                                length: int) -> None:
    fours = " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    for written in (number, fours, fours.replace(" ", "-")):
        text = f"paid with {written} today"
        assert [(f.entity, text[f.start:f.end]) for f in CARDS.find(text)] == [
            ("CREDIT_CARD", written)], network
    broken = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert CARDS.find(f"paid with {broken} today") == []


@pytest.mark.parametrize("text", [
    "+639171234567",                     # an E.164 phone number is not a Maestro card
    "RS35 2600 0560 1001 6113 70",       # the Luhn-valid middle of a longer number
    "ref 9921 2223 3982 5979 1908",      # a 2-series card number after another group
    "2223 3982 5979 1908 55",            # ... or before one
])
def test_a_card_is_never_part_of_a_longer_number(text: str) -> None:
    assert CARDS.find(text) == []


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="0123456789 -+x", max_size=60))
def test_every_match_contains_the_candidate(text: str) -> None:
    candidate = compile_regex(PATTERN_ENTITIES["CREDIT_CARD"].candidate or "")
    for pattern in (card_pattern(), *(p.regex for p in CARDS.recognizer.patterns)):
        for match in re.finditer(pattern, text):
            assert candidate.search(match.group()), (pattern, match.group())


VISA = "4012888888881881"
FOURS = "4012 8888 8888 1881"
FOURTEEN = "5144195114815" + luhn_digit("5144195114815")  # Luhn-valid, Mastercard's range


@pytest.mark.parametrize("text", [
    f"ref 1234 {FOURS}",                      # a group of the same run before
    f"{FOURS} 22",                            # ... or after
    f"{FOURS} 0000 1111",
    "4012-8888-8888-1881-7", "9-4012-8888-8888-1881",
    f"ID {FOURTEEN[:7]}-{FOURTEEN[7:]}",       # 7-7: no network prints cards so
    "4012888-8888881881", "401 288 888 888 1881",  # 3-3-3-3-4: not a card's grouping
    f"{VISA}00011",                           # inside a longer unbroken run
])
def test_a_cards_digits_inside_a_longer_run_or_in_other_groupings_are_not_a_card(
        text: str) -> None:
    assert CARDS.find(text) == []


@pytest.mark.parametrize("text", [
    f"{VISA} 4012-8888-8888-1881 {FOURS}",    # a list of cards, each written its own way
    f"cards: {FOURS}, {FOURS}",
    f"{FOURS}\n{FOURS}",
    f"{FOURS} 4012-8888-8888-1881",
    f"{FOURS} {VISA}",
])
def test_cards_listed_one_after_another_are_each_a_card(text: str) -> None:
    values = [text[f.start:f.end] for f in CARDS.find(text)]
    assert len(values) == text.count("4012") and all(v.startswith("4012") for v in values)


def test_only_guards_pattern_runs() -> None:
    assert [p.regex for p in CARDS.recognizer.patterns] == [card_pattern()]


@settings(max_examples=80, deadline=None)
@given(body=st.text("0123456789", min_size=12, max_size=12),
       tac=st.sampled_from(["35", "86", "01", "49", "99", "30", "33", "45", "52"]),
       written=st.sampled_from(["{}", "{0}{1}-{2}-{3}-{4}", "{0}{1} {2} {3} {4}"]),
       sentence=st.sampled_from(["IMEI: {}", "Device {} (IMEI) is locked", "imei {} / serial",
                                 "Numéro IMEI {}, écran cassé", "Cihaz IMEI {}"]))
def test_a_luhn_valid_imei_named_so_is_no_card(body: str, tac: str, written: str,
                                               sentence: str) -> None:
    imei = tac + body + luhn_digit(tac + body)
    parts = (imei[0], imei[1], imei[2:8], imei[8:14], imei[14])
    text = sentence.format(written.format(*parts) if written != "{}" else imei)
    assert [f for f in CARDS.find(text)] == []
    assert [f for f in PHONE.find(text)] == []


def test_a_card_beside_an_imei_is_still_a_card() -> None:
    text = "IMEI 356844558419579 paid with 4111 1111 1111 1111"
    assert [text[f.start:f.end] for f in CARDS.find(text)] == ["4111 1111 1111 1111"]
