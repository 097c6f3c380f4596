"""Complete mediation of requests without a body: a stored answer fetched again (``GET
/v1/responses/{id}``, ``GET /v1/chat/completions/{id}``, ``GET /v1beta/interactions/{id}``,
any GET on a path of no known API) meets the output policies as its first delivery did.

Every variant of the answer catalog (:mod:`tests.serve.answer_variants`) is served to a GET:
on the retrieval path of its API where it has one (read as that API's answer, a stream
included, so a value split across events is seen whole), else on a path no API names (read
by the generic view). No planted value may reach the caller.

Gemini's array answer (a JSON array of chunks, a value split across them) is a stream only on
Gemini's own paths: elsewhere a JSON array of objects is a list of records, read element by
element (joined as chunks, records would run together and their values move between them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.serve.answer_checks import leaks, serving, write_policies
from tests.serve.answer_stand_in import EMAIL, PLANTED
from tests.serve.answer_variants import catalog

VARIANTS = catalog()
FETCHED = sorted(n for n, v in VARIANTS.items() if v.api != "gemini_array")
FETCH = {"responses": "/v1/responses/resp_123", "chat": "/v1/chat/completions/chatcmpl-123",
         "interactions": "/v1beta/interactions/v1_abc"}
"""The path that fetches a stored answer of each API that has one."""
ELSEWHERE = "/v1/stored/things/123"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with serving(write_policies(tmp_path_factory.mktemp("fetch")), VARIANTS) as stack:
        yield stack


def fetch(stack: dict[str, Any], name: str, path: str) -> tuple[httpx.Response, bytes]:
    query = "?stream=true" if VARIANTS[name].stream and path in FETCH.values() else ""
    with stack["client"].stream("GET", path + query, headers={"x-variant": name}) as reply:
        raw = b"".join(reply.iter_raw())
    seen = stack["upstream"].state.seen[-1]
    assert seen[0] == name and seen[2] is None  # it went up without a body
    return reply, raw


@pytest.mark.parametrize("name", FETCHED)
def test_no_planted_value_reaches_a_caller_that_fetches(stack: dict[str, Any],
                                                        name: str) -> None:
    variant = VARIANTS[name]
    path = FETCH.get(variant.api, ELSEWHERE)
    reply, raw = fetch(stack, name, path)
    assert "x-guard-decision-id" in reply.headers
    assert leaks(raw) == [], raw[:2000]
    if not variant.unreadable and path != ELSEWHERE:
        assert reply.status_code == 200, raw[:300]


@pytest.mark.parametrize("name", ["chat.json.content", "responses.json.text",
                                  "messages.sse.text", "chat.sse.content", "opper.json.text"])
def test_any_path_is_read_whole_by_the_generic_view(stack: dict[str, Any], name: str) -> None:
    _, raw = fetch(stack, name, ELSEWHERE)
    assert leaks(raw) == [] and EMAIL not in raw.decode()


def test_the_fetched_variants_cover_every_api_and_stream() -> None:
    fetched = [VARIANTS[n] for n in FETCHED]
    assert {v.api for v in fetched} >= {*FETCH, "messages", "gemini", "gemini_sse", "opper"}
    assert sum(v.stream for v in fetched if v.api in FETCH) >= 10 and len(PLANTED) == 4


def test_the_openai_sdk_fetches_a_stored_response_and_its_replayed_stream(
        stack: dict[str, Any]) -> None:
    """The real SDK's ``responses.retrieve`` (``GET /v1/responses/{id}``, and with
    ``stream=True`` its events replayed) and ``chat.completions.retrieve``."""
    import openai

    with openai.OpenAI(base_url=stack["url"] + "/v1", api_key="sk-test",
                       max_retries=0) as client:
        stored = client.responses.retrieve("resp_123",
                                           extra_headers={"x-variant": "responses.json.text"})
        with client.responses.retrieve("resp_123", stream=True,
                                       extra_headers={"x-variant": "responses.sse.text"}) as events:
            deltas = "".join(e.delta for e in events if e.type == "response.output_text.delta")
        completion = client.chat.completions.retrieve(
            "chatcmpl-123", extra_headers={"x-variant": "chat.json.content"})
    for text in (stored.output_text, deltas, completion.choices[0].message.content or ""):
        assert "<EMAIL_ADDRESS>" in text and not [v for v in PLANTED if v in text], text
