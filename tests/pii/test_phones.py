"""guard's phone rules, one at a time (see guard/pii/phones.py)."""

from __future__ import annotations

import pytest

from guard.pii.build import pattern_recognizer
from guard.pii.catalog import CONTEXT_PHONE_REGIONS, DEFAULT_PHONE_REGIONS
from guard.pii.phones import BASE_SCORE, PhoneNumbers, looks_like_amount, looks_like_date
from guard.pii.shapes import macs
from guard.pii.telephony import DESTINATIONS, PHONE_WORDS, REACH_WORDS

PHONES = pattern_recognizer("PHONE_NUMBER", DEFAULT_PHONE_REGIONS)


def phones(text: str) -> list[tuple[str, float]]:
    return [(text[f.start:f.end], f.score) for f in sorted(PHONES.find(text),
                                                           key=lambda f: f.start)]


@pytest.mark.parametrize(("text", "number"), [
    ("desk +1-984-182-0190", "+1-984-182-0190"),   # possible, not allocated
    ("desk +44 7700 900123", "+44 7700 900123"),   # a range kept for drama
    ("desk +46 (0)178 362 41", "+46 (0)178 362 41"),
])
def test_plus_numbers_of_a_possible_length_are_found(text: str, number: str) -> None:
    assert [value for value, _ in phones(text)] == [number]


@pytest.mark.parametrize("text", ["up +1 555 1234 today", "ratio +49 1234", "+33 12"])
def test_plus_numbers_too_short_for_a_number_are_not(text: str) -> None:
    assert phones(text) == []


def test_national_numbers_need_eight_digits_unless_said_to_be_phones() -> None:
    assert phones("Deliver to 4471 18 Harbour Road") == []       # a valid German number
    assert phones("Telefon 030 901820") == [("030 901820", 0.75)]  # 9 digits
    assert phones("Tel. 4471 18") == []                          # 6: too few even so


@pytest.mark.parametrize("text", [
    "Tlf.: 32 64 18 90", "mobil 603 218 477", "tel. 512 384 906", "puhelin 040 123 4567",
    "You can reach me at 32 64 18 90", "32 64 18 90 (mobile)", "32 64 18 90-Office",
])
def test_numbers_of_further_regions_are_found_where_a_word_says_phone(text: str) -> None:
    assert len(phones(text)) == 1


@pytest.mark.parametrize("text", [
    "32 64 18 90",                              # a Danish number, but nothing says phone
    "my phone is broken; order 32 64 18 90",    # the phone word is too far
    "Mobile revenue reached 12 345 678 EUR",    # an amount, grouped in thousands
    "Please call on 2024-05-17 at noon",        # a date
])
def test_numbers_of_further_regions_are_not_found_otherwise(text: str) -> None:
    assert phones(text) == []


@pytest.mark.parametrize("text", [
    "leave a voicemail on 32 64 18 90", "Bel 32 64 18 90", "soita 32 64 18 90",
    "stopped answering at 32 64 18 90", "texts to 32 64 18 90", "reach us on 32 64 18 90",
    "erreichbar unter 32 64 18 90", "me joindre au 32 64 18 90",
])
def test_lexicon_words_say_phone_reach_words_only_introducing_the_number(text: str) -> None:
    assert len(phones(text)) == 1


@pytest.mark.parametrize("text", [
    "message #32641890 in the thread",          # a reach word, not introducing it
    "contact id 32641890",
    "stopped answering 32641890",
    "answering at line 32641890",               # the destination is not right before it
    "messages to 1 200 000 subscribers",        # introduced, but an amount
    "a breach me at 32 64 18 90",               # phrases ("reach me") match whole words
])
def test_reach_words_that_do_not_introduce_the_number_say_nothing(text: str) -> None:
    assert phones(text) == []


def test_lexicon_is_written_as_text_is_matched() -> None:
    """Lower case without accents (the normalized view), each word in one list only."""
    words = [*PHONE_WORDS, *REACH_WORDS, *DESTINATIONS]
    assert all(w == w.lower() and w.isascii() and w.strip() == w for w in words)
    assert not set(PHONE_WORDS) & set(REACH_WORDS)


def test_further_regions_score_base_the_phone_word_counts_once() -> None:
    [(_, score)] = phones("Tlf.: 32 64 18 90")
    assert score == BASE_SCORE < PHONES.max_score


def test_dates_are_never_national_numbers() -> None:
    assert phones("shipped 03.04.2024") == []
    assert phones("Telefon 030 9018 2024") == [("030 9018 2024", 0.75)]


@pytest.mark.parametrize(("raw", "date"), [
    ("03.04.2024", True), ("2024-05-17", True), ("4/3/2024", True), ("12/31/1999", True),
    ("31.13.2024", False), ("2024-13-32", False), ("03.04.24", False), ("030.901.820", False),
])
def test_date_shapes(raw: str, date: bool) -> None:
    assert looks_like_date(raw) is date


@pytest.mark.parametrize(("raw", "amount"), [
    ("12 345 678", True), ("1.234.567", True), ("2,000,000", True), ("688 413 927", True),
    ("12 34 56 78", False), ("1234 567", False), ("12 345.678", False), ("(72) 754-186", False),
])
def test_amount_shapes(raw: str, amount: bool) -> None:
    assert looks_like_amount(raw) is amount


def test_an_amount_shape_counts_where_a_region_writes_numbers_so() -> None:
    assert phones("mobil 603 218 477") == [("603 218 477", BASE_SCORE)]  # Czech grouping


def test_configured_regions_are_not_tried_again_and_luxembourg_is_left_out() -> None:
    recognizer = PhoneNumbers(["DK"], CONTEXT_PHONE_REGIONS, r"\d{6}")
    assert "DK" not in recognizer.context_regions and "US" in recognizer.context_regions
    assert "LU" not in CONTEXT_PHONE_REGIONS


@pytest.mark.parametrize(("text", "found"), [
    ("Phone: 74 219 536", True), ("Tel.:\n74 219 536", True),
    ("Name: Ann\nMobile: 71 234 567", True),
    ("phone 74 219 536", False),                 # no field: grouped like an amount, so not
    ("Phone bill: 12 345 678", False),           # the field is a bill, not a phone
    ("Mobile revenue: 12 345 678 EUR", False),
])
def test_a_phone_fields_value_is_a_phone_number_even_grouped_like_an_amount(
        text: str, found: bool) -> None:
    assert bool(phones(text)) is found


@pytest.mark.parametrize("mac", ["7A-01-29-38-93-32", "00:1A:2B:3C:4D:5E", "00-11-22-33-44-55",
                                 "001a.2b3c.4d5e"])
def test_a_mac_address_is_no_phone_number(mac: str) -> None:
    text = f"IMEI: 01 881399 869879 5, MAC {mac}, signed in at 10:13"
    at = (text.index(mac), text.index(mac) + len(mac))
    assert macs(text, [at]) == [at]
    assert phones(f"MAC {mac} online") == []


def test_a_hex_run_longer_than_an_address_is_none() -> None:
    assert macs("00:11:22:33:44:55:66", [(0, 5)]) == []


@pytest.mark.parametrize("digits", ["495475177992290", "49 755485 066351 5", "0151234567890123"])
def test_fifteen_national_digits_are_nobodys_phone_number(digits: str) -> None:
    # E.164: 15 digits at most with the country code, so 14 with a trunk 0 written nationally
    assert phones(f"Gerät {digits}") == []
    assert phones(f"call me on {digits}") == []


def test_an_international_prefix_is_not_counted_as_national_digits() -> None:
    assert [n for n, _ in phones("Kontakt: 0043 1 232126500")] == ["0043 1 232126500"]
