"""Pseudonym tokens and their restoration, whole or chunk by chunk."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from guard.pii.pseudonyms import Pseudonyms, Restorer


def test_the_same_value_gets_the_same_token_and_entities_count_separately() -> None:
    p = Pseudonyms()
    assert p.token("EMAIL_ADDRESS", "a@example.com") == "<EMAIL_ADDRESS_1>"
    assert p.token("PHONE_NUMBER", "+1 415 555 0199") == "<PHONE_NUMBER_1>"
    assert p.token("EMAIL_ADDRESS", "b@example.com") == "<EMAIL_ADDRESS_2>"
    assert p.token("EMAIL_ADDRESS", "a@example.com") == "<EMAIL_ADDRESS_1>"


def test_output_tokens_share_numbering_but_are_never_restored() -> None:
    p = Pseudonyms()
    p.token("EMAIL_ADDRESS", "mine@example.com")
    hidden = p.token("EMAIL_ADDRESS", "theirs@example.com", restorable=False)
    assert hidden == "<EMAIL_ADDRESS_2>"
    assert p.restorer().restore("<EMAIL_ADDRESS_1> <EMAIL_ADDRESS_2>") == (
        "mine@example.com <EMAIL_ADDRESS_2>")


def test_unknown_and_malformed_tokens_are_left_alone() -> None:
    r = Restorer({"<EMAIL_ADDRESS_1>": "a@example.com"})
    assert r.restore("<EMAIL_ADDRESS_9> <EMAIL_ADDRESS_1 <b>x</b>") == (
        "<EMAIL_ADDRESS_9> <EMAIL_ADDRESS_1 <b>x</b>")


def test_feed_holds_back_only_a_possible_token_prefix() -> None:
    r = Restorer({"<EMAIL_ADDRESS_1>": "a@example.com"})
    assert r.feed("Write to <EMAIL_") == "Write to "
    assert r.feed("ADDRESS_1> or <b") == "a@example.com or <b"
    assert r.feed("> done <") == "> done "
    assert r.flush() == "<"


def test_an_empty_restorer_releases_everything_at_once() -> None:
    r = Pseudonyms().restorer()
    assert r.feed("<EMAIL_") == "<EMAIL_"
    assert r.flush() == ""


VALUES = {"<EMAIL_ADDRESS_1>": "ana@example.com", "<PHONE_NUMBER_1>": "+1 415 555 0199",
          "<PERSON_12>": "Zoë <Z> Ng", "<EMAIL_ADDRESS_2>": "<EMAIL_ADDRESS_1>"}
PIECES = st.one_of(st.sampled_from([*VALUES, "<", ">", "<EMAIL", "_1>", "<PERSON_1"]),
                   st.text(max_size=8))


@settings(max_examples=300)
@given(pieces=st.lists(PIECES, max_size=20), cuts=st.lists(st.integers(0, 400), max_size=8))
def test_any_chunking_restores_exactly_what_the_whole_text_does(
        pieces: list[str], cuts: list[int]) -> None:
    text = "".join(pieces)
    bounds = sorted({min(c, len(text)) for c in cuts} | {0, len(text)})
    streamed = Restorer(VALUES)
    out = "".join(streamed.feed(text[a:b]) for a, b in pairwise(bounds))
    assert out + streamed.flush() == Restorer(VALUES).restore(text)


@settings(max_examples=200)
@given(values=st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=6),
       filler=st.lists(st.text(max_size=10), max_size=8))
def test_pseudonymize_then_restore_is_the_identity(values: list[str], filler: list[str]) -> None:
    p = Pseudonyms()
    original = "".join(f + v for f, v in zip(filler + [""] * len(values), values, strict=False))
    tokenized = "".join(f + p.token("X", v) for f, v in zip(filler + [""] * len(values), values,
                                                          strict=False))
    assert p.restorer().restore(tokenized) == original
