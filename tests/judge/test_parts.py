"""The judge's pieces on their own: endpoint URLs, strict verdicts, the cache, templates."""

from __future__ import annotations

import json
from typing import Any

import pytest

from guard.errors import CheckError
from guard.judge.cache import VerdictCache, text_digest
from guard.judge.client import chat_completions_url
from guard.judge.templates import ANSWER_FORMAT, system_prompt, template_prompt, templates
from guard.judge.verdict import MAX_REASON, Verdict, parse_verdict


@pytest.mark.parametrize(("endpoint", "url"), [
    ("https://gw.example", "https://gw.example/v1/chat/completions"),
    ("https://gw.example/", "https://gw.example/v1/chat/completions"),
    ("https://gw.example/v1", "https://gw.example/v1/chat/completions"),
    ("https://gw.example/v1/", "https://gw.example/v1/chat/completions"),
    ("https://gw.example/v1/chat/completions", "https://gw.example/v1/chat/completions"),
    ("https://gw.example/v1?key=k", "https://gw.example/v1/chat/completions?key=k"),
    ("https://gw.example/openai/?api-version=1&sig=/x",
     "https://gw.example/openai/chat/completions?api-version=1&sig=/x"),
])
def test_endpoint_with_or_without_v1(endpoint: str, url: str) -> None:
    assert chat_completions_url(endpoint) == url


def reply(content: Any) -> dict[str, Any]:
    return {"choices": [{"message": {"role": "assistant", "content": content}}]}


def test_a_well_formed_verdict_parses_and_its_reason_is_bounded() -> None:
    verdict = parse_verdict(reply(json.dumps({"flagged": True, "reason": "x" * 1000})))
    assert verdict == Verdict(True, "x" * MAX_REASON)


@pytest.mark.parametrize("payload", [
    {}, {"choices": []}, {"choices": [{"message": "no"}]}, reply(None), reply("not json"),
    reply(json.dumps([True])), reply(json.dumps({"flagged": True})),
    reply(json.dumps({"flagged": "yes", "reason": ""})),
    reply(json.dumps({"flagged": 1, "reason": ""})),
    reply(json.dumps({"flagged": False, "reason": "", "extra": 1})),
    {"choices": [{"message": {"content": None, "refusal": "I can't"}}]},
])
def test_anything_else_is_a_check_error(payload: Any) -> None:
    with pytest.raises(CheckError):
        parse_verdict(payload)


def test_cache_expires_and_is_bounded_and_keeps_no_text() -> None:
    now = [0.0]
    cache = VerdictCache(ttl=10, max_entries=2, clock=lambda: now[0])
    keys = [("rev", "p", text_digest(t)) for t in ("a", "b", "c")]
    cache.put(keys[0], Verdict(True, "r"))
    assert cache.get(keys[0]) == Verdict(True, "r")
    cache.put(keys[1], Verdict(False, ""))
    cache.put(keys[2], Verdict(False, ""))  # over the bound: the least recently used goes
    assert cache.get(keys[0]) is None and len(cache) == 2
    now[0] = 11
    assert cache.get(keys[1]) is None  # expired
    assert all(len(k[2]) == 64 for k in keys)  # a SHA-256 hex digest stands for the text
    off = VerdictCache(ttl=0, max_entries=10)
    off.put(keys[0], Verdict(True, ""))
    assert off.get(keys[0]) is None


def test_templates_are_data_and_prompts_combine() -> None:
    assert set(templates()) == {"secrets", "toxicity", "pii", "prompt_injection"}
    combined = template_prompt("toxicity", "Also flag spam.")
    assert combined.startswith(templates()["toxicity"]) and combined.endswith("Also flag spam.")
    assert template_prompt(None, "Only mine.") == "Only mine."
    assert system_prompt("P").endswith(ANSWER_FORMAT)
