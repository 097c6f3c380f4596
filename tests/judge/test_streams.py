"""A judge on the output stage of a streamed answer: the whole answer, once, at its end."""

from __future__ import annotations

import json

import httpx

from guard import Guard, GuardMiddleware
from tests.asgi.upstream import build
from tests.judge.stand_in import JudgeState

Judge = tuple[str, JudgeState]


def policies(endpoint: str) -> str:
    return f"""version: 1
settings: {{store: "memory://", llm: {{endpoint: '{endpoint}'}}}}
policies:
  - {{name: contacts, type: pii, entities: [EMAIL_ADDRESS], action: pseudonymize}}
  - name: judge
    type: llm
    stages: [output]
    prompt: Flag the word FLAG.
    model: openai/gpt-5-mini
    action: block
    message: judged unacceptable
"""


async def stream(judge: Judge, text: str) -> list[str]:
    guard = Guard.from_yaml(policies(judge[0]))
    app = GuardMiddleware(build(), guard=guard)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://gw") as client:
            r = await client.post("/v1/chat/completions", json={
                "model": "gpt-4o-mini", "stream": True,
                "messages": [{"role": "user", "content": text}]})
    finally:
        await guard.aclose()
    return [line[6:] for line in r.text.splitlines() if line.startswith("data: ")]


async def test_a_streamed_answer_is_judged_once_whole_with_pseudonyms(judge: Judge) -> None:
    events = await stream(judge, "FLAG it for jane@example.com please")
    assert "[DONE]" not in events
    assert json.loads(events[-1])["error"]["message"] == "judged unacceptable"
    # one call, the whole answer, as the model wrote it: the address as its pseudonym
    assert judge[1].texts() == ["Echo: FLAG it for <EMAIL_ADDRESS_1> please"]


async def test_an_answer_the_judge_lets_through_ends_normally(judge: Judge) -> None:
    events = await stream(judge, "all good here")
    assert events[-1] == "[DONE]" and len(judge[1].calls) == 1
