"""Streamed text channels: nothing leaves before the output checks have seen it."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from guard import Guard
from guard.asgi.channel import Channel, held_from
from guard.engine.output import scan_text
from guard.pii.pseudonyms import Pseudonyms

POLICIES = """version: 1
policies:
  - name: pii
    type: pii
    stages: [output]
    entities: [EMAIL_ADDRESS, CREDIT_CARD, PHONE_NUMBER]
    action: redact
  - name: zeus
    type: content
    stages: [output]
    detect: {keywords: ["project zeus"]}
    action: block
"""
GUARD = Guard.from_yaml(POLICIES)


async def channel(restorer: Any = None) -> Channel:
    decision = await GUARD.check_request({"model": "m", "messages": [
        {"role": "user", "content": "hi"}]}, path="/v1/chat/completions")

    async def scan(text: str) -> Any:
        return await scan_text(GUARD.engine.output_checks, decision, text)

    return Channel(scan, restorer, holdback=0)


def stream(chunks: list[str], restorer: Any = None) -> tuple[str, bool]:
    async def run() -> tuple[str, bool]:
        ch, out = await channel(restorer), ""
        for piece in [*chunks, None]:
            released = await (ch.finish() if piece is None else ch.feed(piece))
            out += released.text
            if released.denial is not None:
                return out, True
        return out, False

    return asyncio.run(run())


def test_words_and_number_runs_are_held() -> None:
    assert held_from("hello wor") == len("hello ")
    assert held_from("call +1 415 555") == len("call ")
    assert held_from("card 4111 1111 ") == len("card ")
    assert held_from("in 2024 we grew ") == len("in 2024 we grew ")
    assert held_from("abc") == 0 and held_from("x" * 600) == 88


def test_a_card_sent_group_by_group_never_leaves() -> None:
    text = "pay with 4539 1488 0343 6467 today please"
    out, denied = stream([text[i:i + 3] for i in range(0, len(text), 3)])
    assert not denied and out == "pay with <CREDIT_CARD> today please"


def test_a_keyword_that_began_in_released_text_blocks_before_its_last_word() -> None:
    out, denied = stream(["tell me about project", " ze", "us now"])
    assert denied and "zeus" not in out


def test_pseudonyms_split_across_chunks_are_restored_after_the_checks() -> None:
    p = Pseudonyms()
    p.token("EMAIL_ADDRESS", "ana@example.com")
    out, _ = stream(["mail <EMAIL_", "ADDRESS_1> and bob@example.org", " soon"], p.restorer())
    assert out == "mail ana@example.com and <EMAIL_ADDRESS> soon"


WORDS = st.sampled_from(["hello", "mail", "bob@example.org", "card", "4539", "1488", "0343",
                         "6467", "call", "+1", "415", "555", "0199", "project", "the", "\n"])


@settings(max_examples=60, deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=25), cuts=st.lists(st.integers(1, 9),
                                                                      min_size=1, max_size=40))
def test_streaming_never_lets_out_what_the_whole_answer_check_hides(words: list[str],
                                                                    cuts: list[int]) -> None:
    text = " ".join(words)
    chunks, at = [], 0
    for size in cuts * (len(text) // max(1, sum(cuts)) + 1):
        if at >= len(text):
            break
        chunks.append(text[at:at + size])
        at += size
    out, denied = stream(chunks)
    assert "bob@example.org" not in out
    assert "4539 1488 0343 6467" not in out
    assert not denied
