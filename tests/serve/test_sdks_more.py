"""``guard serve`` over real HTTP, driven by the real google-genai SDK (Gemini and Interactions)
and by the openai SDK's side endpoints (moderations, images, speech, Responses)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from google import genai
from google.genai import errors, types

from guard.serve.app import build_app
from tests.asgi.upstream import build
from tests.serve.servers import running

EMAIL = "jane.roe@example.com"
POLICIES = """version: 1
settings: {store: "memory://", decision_log: none}
identity:
  key: request.api_key
policies:
  - name: models
    type: route
    allow: ["openai/*", "google/gemini-2.5-*"]
  - name: contacts
    type: pii
    entities: [EMAIL_ADDRESS]
    action: pseudonymize
  - name: per-key
    type: rate_limit
    per: identity.key
    requests: 1000
    window: minute
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    policies = tmp_path_factory.mktemp("policies") / "p.yaml"
    policies.write_text(POLICIES)
    upstream = build()
    with running(upstream) as upstream_url, running(build_app(policies, upstream_url)) as url:
        yield {"url": url, "upstream": upstream}


def google(stack: dict[str, Any], version: str = "v1beta") -> genai.Client:
    return genai.Client(api_key="g-key", http_options=types.HttpOptions(
        base_url=stack["url"], api_version=version,
        retry_options=types.HttpRetryOptions(attempts=1)))


def last_body(stack: dict[str, Any]) -> Any:
    return json.loads(stack["upstream"].state.seen[-1].body)


def test_gemini_plain_and_streamed_see_pseudonyms_restored(stack: dict[str, Any]) -> None:
    client = google(stack)
    reply = client.models.generate_content(model="gemini-2.5-flash", contents=f"mail {EMAIL}")
    assert reply.text == f"Echo: mail {EMAIL}"
    sent = last_body(stack)["contents"][0]["parts"][0]["text"]
    assert sent == "mail <EMAIL_ADDRESS_1>"
    chunks = list(client.models.generate_content_stream(
        model="gemini-2.5-flash", contents=f"write to {EMAIL} today"))
    assert "".join(c.text or "" for c in chunks) == f"Echo: write to {EMAIL} today"
    seen = stack["upstream"].state.seen[-1]
    assert seen.path.endswith("/models/gemini-2.5-flash:streamGenerateContent")
    assert seen.query == "alt=sse" and EMAIL not in seen.body.decode()


def test_gemini_default_api_version_and_count_tokens(stack: dict[str, Any]) -> None:
    client = google(stack, "v1")
    assert client.models.count_tokens(model="gemini-2.5-flash",
                                      contents=f"to {EMAIL}").total_tokens == 11
    assert EMAIL not in stack["upstream"].state.seen[-1].body.decode()


def test_a_gemini_model_outside_the_allowlist_is_refused(stack: dict[str, Any]) -> None:
    client = google(stack)
    with pytest.raises(errors.ClientError) as refused:
        client.models.generate_content(model="gemini-1.5-pro", contents="hi")
    assert refused.value.code == 403 and refused.value.status == "PERMISSION_DENIED"
    with pytest.raises(Exception) as interaction:  # the interactions client's own error type
        client.interactions.create(model="gemini-1.5-pro", input="hi")
    assert getattr(interaction.value, "status_code", None) == 403


def test_interactions_plain_and_streamed_see_pseudonyms_restored(stack: dict[str, Any]) -> None:
    client = google(stack)
    done = client.interactions.create(model="gemini-2.5-flash", input=f"call {EMAIL}")
    assert done.steps[-1].content[0].text == f"Echo: call {EMAIL}"  # type: ignore[union-attr]
    assert last_body(stack)["input"] == "call <EMAIL_ADDRESS_1>"
    events = list(client.interactions.create(model="gemini-2.5-flash",
                                             input=f"ping {EMAIL}", stream=True))
    text = "".join(e.delta.text for e in events if e.event_type == "step.delta"  # type: ignore[union-attr]
                   and getattr(e.delta, "type", "") == "text")
    assert text == f"Echo: ping {EMAIL}"


def oa(stack: dict[str, Any]) -> openai.OpenAI:
    return openai.OpenAI(base_url=stack["url"] + "/v1", api_key="sk-test", max_retries=0)


def test_openai_side_endpoints_go_through_redacted(stack: dict[str, Any]) -> None:
    with oa(stack) as client:
        moderated = client.moderations.create(input=[f"mail {EMAIL}", "hello"])
        assert len(moderated.results) == 2
        assert last_body(stack)["input"] == ["mail <EMAIL_ADDRESS_1>", "hello"]
        image = client.images.generate(model="gpt-image-1", prompt=f"a card for {EMAIL}")
        assert last_body(stack)["prompt"] == "a card for <EMAIL_ADDRESS_1>"
        assert image.data is not None and image.data[0].revised_prompt == (
            f"Drawn: a card for {EMAIL}")
        audio = client.audio.speech.create(model="gpt-4o-mini-tts", voice="alloy",
                                           input=f"Say {EMAIL}")
        assert audio.content.startswith(b"ID3")
        assert last_body(stack)["input"] == "Say <EMAIL_ADDRESS_1>"
        reply = client.responses.create(model="gpt-4o-mini", input=f"to {EMAIL}")
        assert reply.output_text == f"Echo: to {EMAIL}"
        assert EMAIL not in stack["upstream"].state.seen[-1].body.decode()
