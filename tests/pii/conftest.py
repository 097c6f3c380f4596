"""Shared PII fixtures: the labelled corpus, guards with one PII policy, every request shape.

A *shape* puts one piece of text everywhere a real client of that API would put user
text (twice where the API has two places, e.g. a tool call's arguments and its result),
so a test can assert that none of those places forwards a detected value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from guard import Guard

CORPUS_PATH = Path(__file__).parents[1] / "data" / "pii_corpus.yaml"
ENTITIES = ["EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN"]

Body = dict[str, Any]
Shape = tuple[str, Callable[[str], Body]]  # request path, body builder


def _chat(*messages: Body) -> Body:
    return {"model": "openai/gpt-4o", "messages": [
        {"role": "system", "content": "You are a helpful assistant."}, *messages]}


def _anthropic(messages: list[Body], system: Any = "Be brief.") -> Body:
    return {"model": "anthropic/claude-sonnet-4-5", "max_tokens": 256, "system": system,
            "messages": messages}


def _tool_call(text: str) -> Body:
    arguments = json.dumps({"to": text, "notes": [text, "n/a"], "urgent": True})
    return {"role": "assistant", "content": None, "tool_calls": [{
        "id": "call_1", "type": "function",
        "function": {"name": "send_message", "arguments": arguments}}]}


SHAPES: dict[str, Shape] = {
    "chat/string": ("/v1/chat/completions", lambda t: _chat({"role": "user", "content": t})),
    "chat/parts": ("/v1/chat/completions", lambda t: _chat({"role": "user", "content": [
        {"type": "text", "text": t},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]})),
    "chat/tool-arguments": ("/v1/chat/completions", lambda t: _chat(
        {"role": "user", "content": "Send it."}, _tool_call(t))),
    "chat/tool-result": ("/v1/chat/completions", lambda t: _chat(
        {"role": "user", "content": "Look it up."}, _tool_call("lookup"),
        {"role": "tool", "tool_call_id": "call_1", "content": t})),
    "responses/string": ("/v1/responses", lambda t: {"model": "openai/gpt-4o", "input": t}),
    "responses/items": ("/v1/responses", lambda t: {"model": "openai/gpt-4o", "input": [
        {"role": "user", "content": [{"type": "input_text", "text": t}]},
        {"type": "function_call", "call_id": "c1", "name": "lookup",
         "arguments": json.dumps({"query": t})},
        {"type": "function_call_output", "call_id": "c1", "output": t}]}),
    "responses/instructions": ("/v1/responses", lambda t: {
        "model": "openai/gpt-4o", "instructions": t, "input": "Go on."}),
    "embeddings/string": ("/v1/embeddings", lambda t: {
        "model": "openai/text-embedding-3-small", "input": t}),
    "embeddings/list": ("/v1/embeddings", lambda t: {
        "model": "openai/text-embedding-3-small", "input": ["first document", t]}),
    "completions/prompt": ("/v1/completions", lambda t: {
        "model": "openai/gpt-3.5-turbo-instruct", "prompt": t, "max_tokens": 16}),
    "anthropic/system-string": ("/v1/messages", lambda t: _anthropic(
        [{"role": "user", "content": "Hi"}], system=t)),
    "anthropic/system-blocks": ("/v1/messages", lambda t: _anthropic(
        [{"role": "user", "content": "Hi"}], system=[
            {"type": "text", "text": "Rules.", "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": t}])),
    "anthropic/text": ("/v1/messages", lambda t: _anthropic([
        {"role": "user", "content": [{"type": "text", "text": t}]}])),
    "anthropic/tool-use": ("/v1/messages", lambda t: _anthropic([
        {"role": "user", "content": "Send it."},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "send",
                                           "input": {"to": t, "cc": [t], "n": 2}}]}])),
    "anthropic/tool-result": ("/v1/messages", lambda t: _anthropic([
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_1", "content": t},
            {"type": "tool_result", "tool_use_id": "toolu_2",
             "content": [{"type": "text", "text": t}]}]}])),
    "opper/input-string": ("/v3/call", lambda t: {
        "name": "answer", "instructions": "Answer.", "input": t}),
    "opper/input-json": ("/v3/call", lambda t: {
        "name": "classify", "input": {"customer": {"contact": t, "tags": ["vip", t]}, "n": 3}}),
    "opper/instructions": ("/v3/call", lambda t: {
        "name": "answer", "instructions": t, "input": {"question": "What now?"}}),
}
"""Every request shape guard reads, by name."""


def pii_guard(action: str) -> Guard:
    """A guard with one ``type: pii`` policy (default entities and min_score)."""
    return Guard.from_yaml(f"version: 1\npolicies:\n  - name: pii\n    type: pii\n"
                           f"    action: {action}\n")


def skeleton(value: Any) -> Any:
    """The JSON structure without its text: keys, list lengths, types (JSON strings parsed)."""
    if isinstance(value, dict):
        return {key: skeleton(item) for key, item in value.items()}
    if isinstance(value, list):
        return [skeleton(item) for item in value]
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return ("json", skeleton(json.loads(value)))
        except ValueError:
            return "str"
    return type(value).__name__


def tool_arguments(body: Any) -> list[str]:
    """Every ``arguments`` string in ``body`` (chat tool calls, Responses function calls)."""
    if isinstance(body, dict):
        found = [v for k, v in body.items() if k == "arguments" and isinstance(v, str)]
        return found + [a for v in body.values() for a in tool_arguments(v)]
    if isinstance(body, list):
        return [a for item in body for a in tool_arguments(item)]
    return []


def check_forwarded(sent: Body, forwarded: Any, values: list[str]) -> None:
    """No value in the forwarded body, its tool arguments still JSON, its structure unchanged."""
    assert isinstance(forwarded, dict)
    for dumped in (json.dumps(forwarded), json.dumps(forwarded, ensure_ascii=False)):
        leaked = [v for v in values if v in dumped]
        assert not leaked, f"forwarded {leaked}: {dumped}"
    for arguments in tool_arguments(forwarded):
        json.loads(arguments)
    assert skeleton(forwarded) == skeleton(sent)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test asking for ``shape`` runs once per request shape."""
    if "shape" in metafunc.fixturenames:
        metafunc.parametrize("shape", list(SHAPES))


@pytest.fixture(scope="session")
def shapes() -> dict[str, Shape]:
    return SHAPES


@pytest.fixture(scope="session")
def forwarded_clean() -> Callable[[Body, Any, list[str]], None]:
    """:func:`check_forwarded`, for test modules (which cannot import this one)."""
    return check_forwarded


@pytest.fixture(scope="session")
def corpus() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CORPUS_PATH.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="session")
def redactor() -> Guard:
    return pii_guard("redact")


@pytest.fixture(scope="session")
def pseudonymizer() -> Guard:
    return pii_guard("pseudonymize")
