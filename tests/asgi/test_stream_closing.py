"""Whole-answer output policies (rules, here) on streamed answers: judged at the stream's end."""

from __future__ import annotations

import json
from typing import Any

import httpx

from guard import Guard, GuardMiddleware
from guard.observe import DecisionLog, Observer
from tests.asgi.upstream import build

EMAIL = "jane.roe@example.com"


def policies(deny_if: str, mode: str = "enforce") -> str:
    return f"""version: 1
settings: {{store: "memory://"}}
policies:
  - name: contacts
    type: pii
    entities: [EMAIL_ADDRESS]
    action: pseudonymize
  - name: answer-rule
    type: rule
    stages: [output]
    mode: {mode}
    deny_if: '{deny_if}'
    message: "answer refused"
"""


class Lines:
    """A decision-log sink that keeps the lines."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def write(self, line: str) -> None:
        self.lines.append(json.loads(line))

    def close(self) -> None:
        pass


async def post(deny_if: str, path: str, body: dict[str, Any], mode: str = "enforce"
               ) -> tuple[httpx.Response, list[dict[str, Any]]]:
    log = Lines()
    guarded = GuardMiddleware(build(), guard=Guard.from_yaml(policies(deny_if, mode)),
                              observer=Observer(DecisionLog(log), None))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=guarded),
                                 base_url="http://gw") as client:
        return await client.post(path, json={**body, "stream": True}), log.lines


def chat(text: str) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


def data(response: httpx.Response) -> list[str]:
    return [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]


async def test_a_rule_on_the_streamed_text_ends_the_stream_with_the_error_event() -> None:
    r, log = await post('response.text.contains("forbidden")', "/v1/chat/completions",
                        chat("the forbidden word"))
    assert log[0]["action"] == "deny" and log[0]["violations"][0]["policy"] == "answer-rule"
    events = data(r)
    assert "[DONE]" not in events
    error = json.loads(events[-1])["error"]
    assert error["message"] == "answer refused" and error["code"] == "answer-rule"
    streamed = "".join(json.loads(e)["choices"][0]["delta"].get("content", "")
                       for e in events[:-1] if json.loads(e).get("choices"))
    assert streamed == "Echo: the forbidden word"  # sent before the end: a rule cannot unsay


async def test_an_answer_that_passes_ends_normally() -> None:
    r, _ = await post('response.text.contains("forbidden")', "/v1/chat/completions",
                      chat("a harmless word"))
    assert data(r)[-1] == "[DONE]"


async def test_the_rule_reads_usage_and_finish_reason_of_the_stream() -> None:
    r, _ = await post('response.usage.completion_tokens == 7 && '
                      'response.finish_reason == "stop"', "/v1/chat/completions", chat("hi"))
    assert json.loads(data(r)[-1])["error"]["code"] == "answer-rule"


async def test_the_rule_sees_pseudonyms_as_the_model_wrote_them() -> None:
    # as for JSON answers: output policies judge the tokens; the caller gets the value back
    r, _ = await post('response.text.contains("<EMAIL_ADDRESS_1>")', "/v1/chat/completions",
                      chat(f"mail {EMAIL}"))
    assert json.loads(data(r)[-1])["error"]["code"] == "answer-rule"
    r, _ = await post(f'response.text.contains("{EMAIL}")', "/v1/chat/completions",
                      chat(f"mail {EMAIL}"))
    assert data(r)[-1] == "[DONE]"


async def test_anthropic_message_stop_is_replaced_by_the_error_event() -> None:
    body = {"model": "claude-sonnet-4-6", "max_tokens": 50,
            "messages": [{"role": "user", "content": "the forbidden word"}]}
    r, _ = await post('response.text.contains("forbidden") && '
                      'response.finish_reason == "end_turn"', "/v1/messages", body)
    assert "event: message_stop" not in r.text
    assert r.text.rstrip().splitlines()[-2] == "event: error"
    assert json.loads(data(r)[-1])["error"]["message"] == "answer refused"


async def test_responses_completed_is_replaced_by_the_error_event() -> None:
    body = {"model": "gpt-4o-mini", "input": "the forbidden word"}
    r, _ = await post('response.text.contains("forbidden")', "/v1/responses", body)
    assert "response.completed" not in r.text
    assert json.loads(data(r)[-1])["error"]["code"] == "answer-rule"


async def test_a_monitored_rule_flags_and_lets_the_stream_end() -> None:
    r, log = await post('response.text.contains("forbidden")', "/v1/chat/completions",
                        chat("the forbidden word"), mode="monitor")
    assert data(r)[-1] == "[DONE]"
    violation = log[0]["violations"][0]
    assert violation["policy"] == "answer-rule" and violation["stage"] == "output"
    assert violation["enforced"] is False
    assert [p for p in log[0]["policies"] if p["policy"] == "answer-rule"]
