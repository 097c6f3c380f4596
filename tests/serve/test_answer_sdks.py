"""The real SDKs (openai chat and Responses, anthropic Messages, google-genai generate and
stream) parse the answers guard serve redacted, and what they parse holds no planted value.

Each SDK reads what it reads its own way (the openai SDK parses a body as JSON whatever its
content type, streams whatever theirs); the variants of :mod:`tests.serve.answer_variants`
marked ``sdk`` are driven through the SDK of their API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import openai
import pytest
from google import genai
from google.genai import types

from guard.serve.app import build_app
from tests.serve.answer_checks import leaks, write_policies
from tests.serve.answer_stand_in import build
from tests.serve.answer_variants import catalog
from tests.serve.servers import running

VARIANTS = catalog()
SDK_VARIANTS = sorted(name for name, v in VARIANTS.items() if v.sdk)
HI = [{"role": "user", "content": "hi"}]
REDACTED = "<EMAIL_ADDRESS>"  # every variant plants the e-mail: its redaction must show


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    policies = write_policies(tmp_path_factory.mktemp("sdks"))
    with running(build(VARIANTS)) as upstream_url, \
            running(build_app(policies, upstream_url)) as guarded:
        yield guarded


def as_events(dumps: list[str]) -> bytes:
    """What an SDK parsed, event by event, in a shape :func:`leaks` joins across events."""
    return "".join(f"data: {d}\n\n" for d in dumps).encode()


def openai_chat(url: str, name: str) -> tuple[list[str], str]:
    headers = {"x-variant": name}
    with openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0) as client:
        if not VARIANTS[name].stream:
            reply = client.chat.completions.create(model="gpt-4o-mini", messages=HI,  # type: ignore[arg-type]
                                                   extra_headers=headers)
            message = reply.choices[0].message
            for call in message.tool_calls or []:
                json.loads(call.function.arguments)  # type: ignore[union-attr]  # still JSON
            return [reply.model_dump_json()], message.model_dump_json()
        chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=HI,  # type: ignore[arg-type]
                                                     stream=True, extra_headers=headers))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    args = "".join(call.function.arguments or "" for c in chunks if c.choices
                   for call in c.choices[0].delta.tool_calls or [] if call.function)
    if args:
        json.loads(args)  # redacted in pieces, still JSON once joined
    return [c.model_dump_json() for c in chunks], text + args


def openai_responses(url: str, name: str) -> tuple[list[str], str]:
    headers = {"x-variant": name}
    with openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0) as client:
        if not VARIANTS[name].stream:
            reply = client.responses.create(model="gpt-4o-mini", input="hi",
                                            extra_headers=headers)
            for item in reply.output:
                if item.type == "function_call":
                    json.loads(item.arguments)
            return [reply.model_dump_json()], reply.model_dump_json()
        events = list(client.responses.create(model="gpt-4o-mini", input="hi", stream=True,
                                              extra_headers=headers))
    completed = next(e for e in events if e.type == "response.completed")
    deltas = "".join(getattr(e, "delta", "") or "" for e in events if e.type.endswith(".delta"))
    for item in completed.response.output:  # the closing copy agrees with the deltas
        if item.type == "function_call":
            assert json.loads(item.arguments) == json.loads(deltas or item.arguments)
    return [e.model_dump_json() for e in events], completed.response.model_dump_json()


def anthropic_messages(url: str, name: str) -> tuple[list[str], str]:
    headers = {"x-variant": name}
    with anthropic.Anthropic(base_url=url, api_key="k", max_retries=0) as client:
        if not VARIANTS[name].stream:
            reply = client.messages.create(model="claude-sonnet-4-6", max_tokens=64,
                                           messages=HI, extra_headers=headers)  # type: ignore[arg-type]
            return [reply.model_dump_json()], reply.model_dump_json()
        with client.messages.stream(model="claude-sonnet-4-6", max_tokens=64, messages=HI,  # type: ignore[arg-type]
                                    extra_headers=headers) as stream:
            events = list(stream)
            final = stream.get_final_message()  # tool input: the joined JSON, parsed
    return [e.model_dump_json() for e in events], final.model_dump_json()


def google_generate(url: str, name: str) -> tuple[list[str], str]:
    client = genai.Client(api_key="g", http_options=types.HttpOptions(
        base_url=url, api_version="v1beta", headers={"x-variant": name},
        retry_options=types.HttpRetryOptions(attempts=1)))
    if not VARIANTS[name].stream:
        reply = client.models.generate_content(model="gemini-2.5-flash", contents="hi")
        return [reply.model_dump_json()], reply.model_dump_json()
    chunks = list(client.models.generate_content_stream(model="gemini-2.5-flash",
                                                        contents="hi"))
    parts = [p for c in chunks for p in (c.candidates or [])[0].content.parts or []]  # type: ignore[union-attr]
    return [c.model_dump_json() for c in chunks], json.dumps(
        ["".join(p.text or "" for p in parts)] + [p.function_call.model_dump_json()
                                                    for p in parts if p.function_call])


DRIVERS = {"chat": openai_chat, "responses": openai_responses, "messages": anthropic_messages,
           "gemini": google_generate, "gemini_sse": google_generate}


@pytest.mark.parametrize("name", SDK_VARIANTS)
def test_the_sdk_parses_the_guarded_answer_and_sees_no_planted_value(url: str,
                                                                     name: str) -> None:
    events, whole = DRIVERS[VARIANTS[name].api](url, name)
    assert leaks(as_events(events)) == []
    assert leaks(whole.encode()) == []
    assert REDACTED in whole or REDACTED in "".join(events), whole[:500]


def test_every_sdk_is_driven_with_a_json_and_a_stream() -> None:
    kinds = {(VARIANTS[n].api.replace("_sse", ""), VARIANTS[n].stream) for n in SDK_VARIANTS}
    for api in ("chat", "responses", "messages", "gemini"):
        assert {(api, False), (api, True)} <= kinds



def test_a_json_answer_labelled_an_event_stream_reaches_no_sdk_unchecked(url: str) -> None:
    """The openai SDK parses a body as JSON whatever its content type: a JSON answer sent as
    ``text/event-stream`` is no stream guard can read, so it must not pass as one."""
    with openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0) as client:
        reply: Any = client.chat.completions.create(model="gpt-4o-mini", messages=HI,  # type: ignore[arg-type]
                                                    extra_headers={
                                                        "x-variant": "chat.json.as_event_stream"})
    seen = reply if isinstance(reply, str) else reply.model_dump_json()
    assert leaks(seen.encode()) == []
    assert "guard cannot read" in seen
