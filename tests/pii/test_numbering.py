"""Numbers a numbering word labels are not phone numbers unless written as one
(guard/pii/numbering.py, used by guard/pii/phones.py)."""

from __future__ import annotations

import pytest

from guard.pii.build import pattern_recognizer
from guard.pii.catalog import DEFAULT_PHONE_REGIONS
from guard.pii.numbering import is_numbering_word, numbered
from guard.pii.telephony import PHONE_WORDS

PHONES = pattern_recognizer("PHONE_NUMBER", DEFAULT_PHONE_REGIONS)


def phones(text: str) -> list[str]:
    return sorted(text[f.start:f.end] for f in PHONES.find(text))


# digits valid as national numbers in a default region (US, DE, FR, GB ...): found bare
VALID = ["4155550123", "3012345678", "0612345678", "2024-000173", "030 12345678"]


@pytest.mark.parametrize("number", VALID[:3])
def test_the_digits_are_phone_numbers_where_nothing_labels_them(number: str) -> None:
    assert phones(f"see {number} today") == [number]


@pytest.mark.parametrize("number", ["2024-000173", "2026/825922", "1643996257", "07418-2889",
                                    "08219-612", "519.043.163-49", "12.345.678.901"])
def test_identifier_shapes_are_phone_numbers_only_when_said_to_be(number: str) -> None:
    # a year and a serial, a Unix time, ZIP+4 and CEP postcodes, a CPF, amounts
    assert phones(f"see {number} today") == []
    assert phones(f"Reference {number}") == []
    assert phones(f"please call me at {number}") == [number]


@pytest.mark.parametrize("label", [
    "Order", "Order number", "Your order #", "Order no.", "order ID:", "Invoice no.",
    "Customer ID:", "Ticket", "Tracking number:", "Booking reference", "Policy number",
    "Serial no.", "PO", "Confirmation number:", "Case", "Account number", "Ref.",
    "Transaction ID", "Claim", "Receipt #", "Membership no.", "my driver's license number is",
    "Social Security No.", "SS#",
    # other languages
    "Bestellnummer:", "Rechnungsnummer", "Ihre Kundennummer lautet", "Sendungsnr.",
    "numéro de commande :", "N° de facture", "Votre numéro client est", "número de pedido",
    "Nº de referencia:", "numero d'ordine", "número da encomenda", "bestelnummer",
    "ordrenummer", "tilausnumero", "numer zamówienia", "Order number:\n",
    "sipariş numaras\u0131", "rendelésszám:", "číslo objednávky", "număr comandă", "номер заказа",
    "Номер договора:",
])
@pytest.mark.parametrize("number", ["4155550123", "3012345678", "2024-000173"])
def test_a_number_a_numbering_word_labels_is_not_a_phone(label: str, number: str) -> None:
    assert phones(f"{label} {number}") == []


@pytest.mark.parametrize("text", [
    "Order number (415) 555-0123",             # an area code in parentheses
    "numéro de commande 06 12 34 56 78",       # grouped as French numbers are
    "Account: 415-555-0123",                   # grouped as US numbers are
    "Order +1 415 555 0123",                   # written with +country
])
def test_a_labelled_number_written_as_a_phone_number_still_is_one(text: str) -> None:
    assert len(phones(text)) == 1


@pytest.mark.parametrize("text", [
    # ways to put a real phone number behind a numbering word: a phone word nearer wins
    "order: call me at 4155550123",
    "Re: invoice 88213. My phone: 4155550123",
    "Ticket 4471: please ring 3012345678",
    "Bestellung 40021: bitte rufen Sie mich unter 3012345678 an.",
    "About the order, my number is 4155550123",  # a comma ends the label's clause
    "I placed an order. 4155550123 is my cell",   # so does a full stop
    "order 12345\n4155550123",                    # and a line break after no colon
])
def test_a_phone_word_or_a_clause_between_keeps_the_phone_number(text: str) -> None:
    assert phones(text) == ["4155550123"] if "4155550123" in text else ["3012345678"]


def test_words_of_the_lexicon() -> None:
    for word in ("order", "kundennummer", "tilausnumero", "bestellnr", "pedido", "commande",
                 "rendelesszam"):
        assert is_numbering_word(word)
    for word in ("telefonnummer", "handynr", "faxnummer", "puhelinnumero", "nummer", "number",
                 "hello", "at", "telefonszam"):
        assert not is_numbering_word(word)
    assert not any(is_numbering_word(w) for w in PHONE_WORDS if " " not in w)


@pytest.mark.parametrize(("text", "expected"), [
    ("Order 4", True), ("order number is 4", True), ("#4", True), ("№ 4", False),
    ("call me 4", False), ("my number is 4", False), ("the order, 4", False),
    ("order. Then 4", False), ("no. 4", False), ("order my number is 4", False),
])
def test_numbered_reads_the_nearest_word(text: str, expected: bool) -> None:
    assert numbered(text, len(text) - 1) is expected


def test_an_ssn_shaped_number_is_a_phone_number_only_when_said_to_be() -> None:
    assert phones("my number is 536-22-1234") == []
    assert phones("Phone: 030 12 3456") == ["030 12 3456"]  # a phone word says so


@pytest.mark.parametrize("text", [
    "created_at=1700000000", '{"order_id": "4155550123"}', '{"customerId": 3012345678}',
    "GET /api/orders?ref=4155550123&x=1", "orderId: 4155550123", "trace.id=3012345678",
    "fontSize=4155550123",
])
def test_the_value_of_a_key_that_names_no_telephone_is_not_a_phone(text: str) -> None:
    assert phones(text) == []


@pytest.mark.parametrize("text", [
    '{"phone": "4155550123"}', '{"mobileNumber": 4155550123}', "msisdn=4155550123",
    "contact_phone=4155550123", "phonenumber=4155550123", "tel:4155550123",
    "Phone: 4155550123",
])
def test_the_value_of_a_key_that_names_a_telephone_is_a_phone(text: str) -> None:
    assert phones(text) == ["4155550123"]


@pytest.mark.parametrize("text", [
    "Please transfer the refund to NL54 VFOH 0891 9177 26.",  # a check digit off: no IBAN
    "Iban: Nl91 Abna 0417 1643 00",
])
def test_the_digit_groups_of_an_account_number_are_not_a_phone(text: str) -> None:
    assert phones(text) == []


@pytest.mark.parametrize(("text", "number"), [
    ("Konto: 026009593 / 4155550123", "4155550123"), ("Bank: 026009593 / 1234567890", None),
    ("BLZ 37040044 Konto 0532013000", None), ("Sort code 20-00-00, account 55779911", None),
])
def test_bank_codes_label_their_numbers_and_a_split_number_keeps_its_span(
        text: str, number: str | None) -> None:
    assert phones(text) == ([number] if number else [])
