"""One streamed call through each real SDK, against guard serve in front of the answer stand-in
(:mod:`tests.serve.answer_stand_in`): the variant named in ``x-variant`` is what streams back.

Each call reads the stream as its SDK does (the openai SDK stops at ``[DONE]``, anthropic's
helper at ``message_stop``, google-genai at the end of the body) and returns the text it saw;
a refusal raises the SDK's own error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anthropic
import openai
from google import genai
from google.genai import errors, types

from tests.serve.answer_stand_in import Variant, sse
from tests.serve.answer_variants import (
    SSE_TYPE,
    chat_events,
    gemini_chunks,
    message_events,
    responses_events,
)

Call = Callable[[str, str, int], str]
HI = [{"role": "user", "content": "hi"}]


def chat(url: str, variant: str, max_tokens: int) -> str:
    with openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0) as client:
        chunks = client.chat.completions.create(
            model="gpt-4o-mini", messages=HI, stream=True, max_tokens=max_tokens,  # type: ignore[arg-type]
            extra_headers={"x-variant": variant})
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def responses(url: str, variant: str, max_tokens: int) -> str:
    with openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0) as client:
        events = client.responses.create(model="gpt-4o-mini", input="hi", stream=True,
                                         max_output_tokens=max_tokens,
                                         extra_headers={"x-variant": variant})
        return "".join(e.delta for e in events if e.type == "response.output_text.delta")


def messages(url: str, variant: str, max_tokens: int) -> str:
    with anthropic.Anthropic(base_url=url, api_key="k", max_retries=0) as client, \
            client.messages.stream(model="claude-sonnet-4-6", max_tokens=max_tokens,
                                   messages=HI,  # type: ignore[arg-type]
                                   extra_headers={"x-variant": variant}) as stream:
        return "".join(stream.text_stream)


def gemini(url: str, variant: str, max_tokens: int) -> str:
    client = genai.Client(api_key="g", http_options=types.HttpOptions(
        base_url=url, api_version="v1beta", headers={"x-variant": variant},
        retry_options=types.HttpRetryOptions(attempts=1)))
    chunks = client.models.generate_content_stream(
        model="gemini-2.5-flash", contents="hi",
        config=types.GenerateContentConfig(max_output_tokens=max_tokens))
    return "".join(c.text or "" for c in chunks)


CALLS: dict[str, Call] = {"chat": chat, "responses": responses, "messages": messages,
                          "gemini": gemini}
"""Each SDK's streamed call, by the stand-in API it speaks."""
API_NAMES = {"chat": "openai.chat", "responses": "openai.responses",
             "messages": "anthropic.messages", "gemini": "gemini.generate"}


def refused_status(exc: Exception) -> int | None:
    """The HTTP status of an SDK's API error, whichever SDK raised it."""
    if isinstance(exc, openai.APIStatusError | anthropic.APIStatusError):
        return exc.status_code
    if isinstance(exc, errors.APIError):
        return int(exc.code)
    return None


def streams(usage: tuple[int, int]) -> dict[str, Variant]:
    """A streamed answer per API (``stream.<api>``) whose usage reports ``usage`` (input,
    output), its text the planted one (it mentions a ``card``)."""
    prompt, completion = usage
    total = prompt + completion
    found: dict[str, Any] = {
        "chat": sse(chat_events("content", "b1", usage={
            "prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total})),
        "responses": sse(responses_events("text", "b2", usage={
            "input_tokens": prompt, "output_tokens": completion, "total_tokens": total})),
        "messages": sse(message_events("text", "b3", usage=usage)),
        "gemini": sse([(None, c) for c in gemini_chunks("text", "b4", usage={
            "promptTokenCount": prompt, "candidatesTokenCount": completion,
            "totalTokenCount": total})]),
    }
    return {f"stream.{api}": Variant(f"stream.{api}", "gemini_sse" if api == "gemini" else api,
                                     body, SSE_TYPE, stream=True)
            for api, body in found.items()}
