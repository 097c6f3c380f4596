"""Properties over generated PII, placed anywhere in generated text, in every request shape.

Values are built with valid checksums (card Luhn digit, IBAN mod-97 check digits) and
phone numbers that ``phonenumbers`` calls valid, written the ways people write them.
Two properties per shape: a redact policy forwards none of them (and keeps the body's
structure and its tool arguments JSON), and pseudonymize then restore is the identity
on the caller's side: an answer that echoes the forwarded (tokenized) text reaches the
caller as the original text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import phonenumbers
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from guard import Guard
from guard.envelope import parse_request, parse_response
from tests.pii.numbers import luhn_digit

Shape = tuple[str, Callable[[str], dict[str, Any]]]
Check = Callable[[dict[str, Any], Any, list[str]], None]
PROPERTY = settings(max_examples=6, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
"""Per shape (18 shapes): ~100 generated requests per property in all."""

DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"



def iban_check(country: str, bban: str) -> str:
    """ISO 13616 check digits: 98 minus the mod-97 of BBAN + country + "00" as digits."""
    number = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    return f"{98 - number % 97:02d}"


def _chars(alphabet: str, n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet, min_size=n, max_size=n)


CARD_BRANDS = [  # prefixes, length, digit groups
    (["4"], 16, (4, 4, 4, 4)), (["51", "52", "53", "54", "55"], 16, (4, 4, 4, 4)),
    (["6011", "65"], 16, (4, 4, 4, 4)), (["3528", "3550", "3589"], 16, (4, 4, 4, 4)),
    (["34", "37"], 15, (4, 6, 5)), (["36", "38"], 14, (4, 6, 4)),
]


@st.composite
def cards(draw: st.DrawFn) -> str:
    prefixes, length, groups = draw(st.sampled_from(CARD_BRANDS))
    payload = draw(st.sampled_from(prefixes))
    payload += draw(_chars(DIGITS, length - len(payload) - 1))
    number = payload + luhn_digit(payload)
    separator = draw(st.sampled_from(["", " ", "-"]))
    parts, at = [], 0
    for size in groups:
        parts.append(number[at:at + size])
        at += size
    return separator.join(parts)


IBAN_FORMATS = {  # country: BBAN as (alphabet, count) runs
    "DE": [(DIGITS, 18)], "GB": [(LETTERS, 4), (DIGITS, 14)], "NL": [(LETTERS, 4), (DIGITS, 10)],
    "FR": [(DIGITS, 10), (DIGITS + LETTERS, 11), (DIGITS, 2)], "ES": [(DIGITS, 20)],
    "IT": [(LETTERS, 1), (DIGITS, 10), (DIGITS + LETTERS, 12)], "BE": [(DIGITS, 12)],
    "CH": [(DIGITS, 5), (DIGITS + LETTERS, 12)], "PL": [(DIGITS, 24)], "AT": [(DIGITS, 16)],
    "DK": [(DIGITS, 14)], "PT": [(DIGITS, 21)], "NO": [(DIGITS, 11)],
}


@st.composite
def ibans(draw: st.DrawFn) -> str:
    country = draw(st.sampled_from(sorted(IBAN_FORMATS)))
    bban = "".join(draw(_chars(alphabet, n)) for alphabet, n in IBAN_FORMATS[country])
    compact = country + iban_check(country, bban) + bban
    written = compact if draw(st.booleans()) else " ".join(
        compact[i:i + 4] for i in range(0, len(compact), 4))
    return written.lower() if draw(st.booleans()) else written  # typed in lower case too


DOMAINS = ["example.com", "example.org", "example.net", "example.co.uk", "example.de"]


@st.composite
def emails(draw: st.DrawFn) -> str:
    local = draw(st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._+-]{0,14}[A-Za-z0-9])?",
                               fullmatch=True))
    sub = draw(st.sampled_from(["", "mail.", "eu.billing.", "x-1."]))
    address = f"{local}@{sub}{draw(st.sampled_from(DOMAINS))}"
    return address.upper() if draw(st.booleans()) else address


PHONE_NUMBERS = {  # region: national significant number; national format where guard's
    "US": r"(212|312|415|646|617|206)[2-9][02-9][0-9][0-9]{4}",  # default regions have it
    "GB": r"7[4-9][0-9]{8}|20[78][0-9]{7}", "DE": r"1(5[1-9]|7[0-9])[0-9]{7}|30[1-9][0-9]{7}",
    "FR": r"[67][0-9]{8}|1[0-9]{8}", "IN": r"9[0-9]{9}", "BR": r"(11|21)9[0-9]{8}",
    "ES": r"6[0-9]{8}", "AU": r"4[0-9]{8}", "JP": r"90[0-9]{8}",
}
NATIONAL = {"US", "GB", "DE", "FR", "IN", "BR"}
FORMATS = [phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.E164,
           phonenumbers.PhoneNumberFormat.NATIONAL]


@st.composite
def phones(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(sorted(PHONE_NUMBERS)))
    national = draw(st.from_regex(PHONE_NUMBERS[region], fullmatch=True))
    number = phonenumbers.parse(national, region)
    assume(phonenumbers.is_valid_number(number))
    formats = FORMATS if region in NATIONAL else FORMATS[:2]
    return phonenumbers.format_number(number, draw(st.sampled_from(formats)))


pii_values = st.one_of(emails(), cards(), ibans(), phones())
WORDS = ["please", "send", "the", "invoice", "to", "my", "and", "call", "me", "on", "iban",
         "card", "Grüße", "naïve", "café", "日本語", "ok", "—", "!", "?", "Account", "name"]
SEPARATORS = [" ", "\n", ": ", " (", ") ", ", ", ' "', '" ', "\t"]


def benign(min_words: int = 0) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(WORDS), min_size=min_words, max_size=6).map(" ".join)


@st.composite
def texts_with_pii(draw: st.DrawFn) -> tuple[str, list[str]]:
    """Benign text with 1 to 3 PII values at random places, and the values.

    Values are apart by at least one word: Presidio's phone recognizer misses a number
    followed by nothing but spaces and more digits (``+1 646 783 2190 4110...``), since
    ``phonenumbers`` takes both runs as one invalid number. No word is four capitals
    either: Presidio's IBAN regex takes ``ES58... IBAN`` as one longer, invalid IBAN.
    """
    values = draw(st.lists(pii_values, min_size=1, max_size=3))
    parts = [draw(benign())]
    for i, value in enumerate(values):
        last = i == len(values) - 1
        parts += [draw(st.sampled_from(SEPARATORS)), value, draw(st.sampled_from(SEPARATORS)),
                  draw(benign(0 if last else 1))]
    return "".join(parts), values


def echo(api: str, text: str) -> dict[str, Any]:
    """An upstream answer of ``api``'s kind whose text is ``text``."""
    if api == "openai.completions":
        return {"choices": [{"index": 0, "text": text, "finish_reason": "stop"}]}
    if api == "openai.responses":
        return {"status": "completed", "output": [{"type": "message", "role": "assistant",
                "content": [{"type": "output_text", "text": text}]}]}
    if api == "anthropic.messages":
        return {"type": "message", "content": [{"type": "text", "text": text}],
                "stop_reason": "end_turn"}
    if api == "opper.call":
        return {"message": text}
    return {"choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": text}}]}


def request_text(body: dict[str, Any], path: str) -> str:
    return "\n".join(segment.text for segment in parse_request(body, path=path).segments)


@PROPERTY
@given(generated=texts_with_pii())
def test_redact_never_forwards_generated_pii(redactor: Guard, shapes: dict[str, Shape],
                                             shape: str, forwarded_clean: Check,
                                             generated: tuple[str, list[str]]) -> None:
    text, values = generated
    path, build = shapes[shape]
    body = build(text)
    decision = redactor.check_request_sync(body, path=path)
    forwarded_clean(body, decision.body, values)


@PROPERTY
@given(generated=texts_with_pii())
def test_pseudonymize_then_restore_is_the_identity(pseudonymizer: Guard,
                                                   shapes: dict[str, Shape], shape: str,
                                                   forwarded_clean: Check,
                                                   generated: tuple[str, list[str]]) -> None:
    text, values = generated
    path, build = shapes[shape]
    body = build(text)
    decision = pseudonymizer.check_request_sync(body, path=path)
    forwarded_clean(body, decision.body, values)
    assert decision.body is not None
    tokenized = request_text(decision.body, path)
    answer = pseudonymizer.check_response_sync(decision, echo(decision.api, tokenized))
    assert parse_response(answer.body).text == request_text(body, path)
