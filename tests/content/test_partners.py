"""A key id's secret is found beside it and redacted with it; the search stays local."""

from __future__ import annotations

import random
import string
import time

import pytest

from guard.checks.content import merged_spans
from guard.content.partners import REACH_CHARS, window
from guard.content.scanner import Detectors, Scanner

SECRETS = Scanner(Detectors(secrets=True))
RNG = random.Random(18)
B64 = string.ascii_letters + string.digits + "+/"


def _c(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


AKIA = "AKIA" + _c(16, string.ascii_uppercase + "234567")
AWS = "/" + _c(35, B64) + "Qx7+"  # a base64 secret that starts with "/"
SK, TWILIO = "SK" + _c(32, "0123456789abcdef"), _c(30) + "7Q"
AC, AUTH = "AC" + _c(32, "0123456789abcdef"), _c(32, "0123456789abcdef")


def _redacted(text: str) -> str:
    out = text
    for start, end in reversed(merged_spans([(h.start, h.end) for h in SECRETS.scan(text).hits])):
        out = out[:start] + "***" + out[end:]
    return out


@pytest.mark.parametrize(("text", "secret"), [
    (f"AWS Access Key ID [None]: {AKIA}\nAWS Secret Access Key [None]: {AWS}\n", AWS),
    (f"key id {AKIA}, secret {AWS}.", AWS),
    (f"ci-bot,{AKIA},{AWS}\n", AWS),
    (f"| key | secret |\n|---|---|\n| {AKIA} | {AWS} |", AWS),
    (f"{{\"SecretAccessKey\": \"{AWS}\",\n \"AccessKeyId\": \"{AKIA}\"}}", AWS),  # secret first
    (f"Client('{SK}', '{TWILIO}')", TWILIO),
    (f"account sid {AC}\nauth token: {AUTH}", AUTH),
])
def test_the_secret_beside_a_key_id_is_redacted(text: str, secret: str) -> None:
    redacted = _redacted(text)
    assert secret not in redacted
    assert "***" in redacted


def test_an_identifier_that_is_not_a_secret_counts_only_with_its_partner() -> None:
    assert SECRETS.scan(f"the account {AC} was created today").hits == []
    assert SECRETS.scan(f"account {AC}\ntoken {AUTH}").detectors == ["twilio_auth_token"]


@pytest.mark.parametrize("text", [
    f"{AKIA}\n\n\n\n{AWS}",  # four lines away
    f"{AKIA} " + "word " * 80 + AWS,  # beyond the reach in characters
    f"{AKIA} commit {'a' * 40}",  # no entropy
    f"{AKIA} and AKIAIOSFODNN7EXAMPLE",  # another id
])
def test_the_partner_search_stays_local_and_skips_what_is_not_random(text: str) -> None:
    hits = SECRETS.scan(text).hits
    assert [text[h.start:h.end] for h in hits if not text[h.start:h.end].startswith("AKIA")] == []


def test_window_stays_on_the_lines_around_and_cuts_at_a_space() -> None:
    text = "a\nb\nc\nKEY\nd\ne\nf\ng"
    start = text.index("KEY")
    low, high = window(text, start, start + 3)
    assert text[low:high].split() == ["b", "c", "KEY", "d", "e"]  # two lines each side
    long = "x" * 5 + " " + "y" * (REACH_CHARS * 2) + " KEY " + "z" * (REACH_CHARS * 2)
    start = long.index("KEY")
    low, high = window(long, start, start + 3)
    assert start - low <= REACH_CHARS and high - start <= REACH_CHARS + 3
    assert long[low:high].strip() == "KEY"  # never starts or ends inside a token


def test_many_ids_cost_linear_time() -> None:
    line = f"{AKIA} {AWS}\n"
    small, big = line * 200, line * 2000
    SECRETS.scan(small)
    started = time.perf_counter()
    SECRETS.scan(small)
    one = time.perf_counter() - started
    started = time.perf_counter()
    hits = SECRETS.scan(big).hits
    ten = time.perf_counter() - started
    assert len({h.start for h in hits}) >= 4000
    assert ten < one * 30  # linear (10x) with slack for a noisy machine; quadratic is 100x
