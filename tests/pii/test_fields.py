"""A record's structure names its numbers: keys, form fields, CSV columns (guard/pii/fields.py,
used by the phone, card and SSN checks), and the shapes that are no phone number beside
them: ISBNs and network blocks (guard/pii/shapes.py)."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from guard.pii.build import build_detector, pattern_recognizer
from guard.pii.catalog import DEFAULT_PHONE_REGIONS
from guard.pii.fields import MAX_ROWS, Columns, field_name, names_a_number
from guard.pii.shapes import looks_like_isbn, looks_like_network
from guard.policy.types import PiiPolicy
from tests.pii.numbers import luhn_digit

PHONES = pattern_recognizer("PHONE_NUMBER", DEFAULT_PHONE_REGIONS)
ENTITIES = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN"]
DETECTOR = build_detector(PiiPolicy(name="p", type="pii", entities=ENTITIES), None,
                          DEFAULT_PHONE_REGIONS)


def phones(text: str) -> list[str]:
    return sorted(text[f.start:f.end] for f in PHONES.find(text))


def found(text: str) -> list[tuple[str, str]]:
    return sorted((f.entity, text[f.start:f.end]) for f in DETECTOR.find(text))


@pytest.mark.parametrize(("text", "value", "name"), [
    ('{"sku": "805-676-7004"}', "805", "sku"),
    ("order_id=805-676-7004", "805", "order_id"),
    ("Name: Laurent\nCode produit : 0983-728861", "0983", "Code produit"),
    ("Referencia: 0813-308434\nCorreo: a@b.es", "0813", "Referencia"),
    ("sku,ean,price\n805-676-7004,4006381333931,9.99", "805", "sku"),
    ("sku,ean,price\n805-676-7004,4006381333931,9.99", "4006", "ean"),
    ("id;phone;email\n17;0151 23456789;a@b.de", "0151", "phone"),
])
def test_the_field_of_a_value_is_its_key_its_form_label_or_its_csv_column(
        text: str, value: str, name: str) -> None:
    assert field_name(text, text.index(value)) == name


@pytest.mark.parametrize("text", [
    "Account: 415-555-0123",                # one label in a sentence: no form
    "call 805-676-7004 today",              # no field at all
    "a,b,c\n1,2,3\n805-676-7004",           # the line holds no delimiter
    "Order received, thanks\n805-676-7004, call me",  # one comma: prose, no header
    "1,2,3\n805-676-7004,9,9",              # the first line holds values, not names
])
def test_no_field_where_the_text_has_no_record_structure(text: str) -> None:
    assert field_name(text, text.index("805" if "805" in text else "415")) is None


@pytest.mark.parametrize("text", [
    "sku,ean,price\n805-676-7004,4006381333931,9.99",
    "Name: Laurent\nCode produit : 0983-728861",
    "Nombre: Lucía\nReferencia: 0813-308434",
    '{"order": {"sku": "805-676-7004"}}',
    "part_no=0151 23456789&qty=2",
])
def test_a_number_its_field_names_is_no_phone_however_grouped(text: str) -> None:
    assert phones(text) == []


@pytest.mark.parametrize("text", [
    "id,phone,email\n17,805-676-7004,a@b.com",
    "Name: Dana\nBilling phone: 805-676-7004",
    '{"contact_number": "805-676-7004", "sku": "A-1"}',
    "Account: 415-555-0123",                 # prose: grouped as US numbers are, a phone
])
def test_a_field_that_names_a_telephone_or_no_field_leaves_a_phone(text: str) -> None:
    assert len(phones(text)) == 1


def test_the_header_is_looked_for_a_bounded_number_of_rows_up() -> None:
    rows = "\n".join(f"{i},x,1" for i in range(MAX_ROWS + 5))
    text = f"sku,name,qty\n{rows}\n805-676-7004,y,2"
    assert field_name(text, text.index("805")) is None
    near = "sku,name,qty\n" + "\n".join(rows.split("\n")[-MAX_ROWS + 2:]) + "\n805-676-7004,y,2"
    assert names_a_number(near, near.index("805"))


@pytest.mark.parametrize("isbn", ["0-306-40615-2", "978-3-16-148410-0", "979-10-90636-07-1",
                                  "9-504-90454-8"])
def test_isbns_as_publishers_print_them_are_not_phone_numbers(isbn: str) -> None:
    assert looks_like_isbn(isbn)
    assert phones(f"ISBN på boken är {isbn}") == []


@pytest.mark.parametrize("raw", ["0-306-40615-3", "415-555-0123", "0306406152", "1-800-555-0199"])
def test_other_hyphenated_numbers_are_no_isbn(raw: str) -> None:
    assert not looks_like_isbn(raw)


@pytest.mark.parametrize(("raw", "after", "network"), [
    ("70.135.16.0/20", "", True), ("130.252.89.32", "/28", True), ("70.135.16.0", " x", False),
    ("415.555.0123", "/2", False), ("10.0.0.1/123", "", False),
])
def test_a_quad_with_a_prefix_length_is_a_network_not_a_phone(raw: str, after: str,
                                                              network: bool) -> None:
    assert looks_like_network(raw, after) is network


def test_network_blocks_stay_addresses_and_never_phones() -> None:
    text = "Allow 70.135.16.0/20 and 130.252.89.32/28; deny 55.68.33.208."
    assert {e for e, _ in found(text)} == {"IP_ADDRESS"}


def test_a_barcode_that_passes_luhn_is_no_card() -> None:
    ean = "402118255198"
    ean += luhn_digit(ean)
    assert found(f"Part 4298; EAN {ean}.") == []
    assert found(f"sku,ean,qty\nA-1,{ean},2") == []
    assert found(f"Paid with {ean} yesterday") == [("CREDIT_CARD", ean)]


def test_nine_digits_a_field_names_otherwise_are_no_ssn_beside_an_ssn_key() -> None:
    text = '{"ssn": "787-65-6862", "routing": "333014983", "dob": "1961-09-01"}'
    assert found(text) == [("US_SSN", "787-65-6862")]
    assert found('{"ssn": "333014983"}') == [("US_SSN", "333014983")]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["sku", "part_no", "isbn", "order_id", "Artikel", "reference"]),
       st.integers(0, 9_999_999_999), st.sampled_from(["{}-{}-{}", "{} {} {}", "{}{}{}"]),
       st.integers(0, 3))
def test_under_a_numbering_column_no_value_is_a_phone(column: str, digits: int, shape: str,
                                                      row: int) -> None:
    number = f"{digits:010d}"
    value = shape.format(number[:3], number[3:6], number[6:])
    rows = "".join(f"{i},y,{i * 7}\n" for i in range(row))
    assert phones(f"{column},name,qty\n{rows}{value},x,2\n") == []


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["US", "DE", "FR", "GB"]), st.integers(0, 99_999))
def test_under_a_phone_column_a_valid_number_stays_a_phone(region: str, seed: int) -> None:
    example = phonenumbers.example_number(region)
    national = phonenumbers.national_significant_number(example)
    tail = f"{seed:05d}"[: min(4, len(national) - 4)]
    number = phonenumbers.parse(national[:-len(tail)] + tail, region)
    assume(phonenumbers.is_valid_number(number))
    written = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    assert phones(f"id,phone,sku\n17,{written},A-1\n") == [written]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["sku,name,qty", "a,b", "1,x,2", "805-676-7004,y,3", "", "hi",
                                 "id;phone;email", "7;0151 2345;x", "order|note|n", "A-1|b|c"]),
                max_size=12), st.data())
def test_the_one_pass_headers_agree_with_the_walk_up(lines: list[str], data: st.DataObject
                                                     ) -> None:
    text = "\n".join(lines)
    assume(text)
    start = data.draw(st.integers(0, len(text) - 1))
    assert field_name(text, start, Columns(text)) == field_name(text, start)
