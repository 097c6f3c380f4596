"""``type: llm`` against a stand-in judge on loopback: verdicts, errors, cache, order, PII."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from guard import Guard
from guard.checks.base import Check, Outcome, PolicyMeta
from guard.checks.llm import LlmCheck
from guard.engine.context import Context
from guard.errors import PolicyError
from guard.observe.entries import entry
from tests.judge.stand_in import JudgeState

CHAT = "/v1/chat/completions"
Judge = tuple[str, JudgeState]


def chat(*texts: str) -> dict[str, Any]:
    return {"model": "openai/gpt-5-mini",
            "messages": [{"role": "user", "content": t} for t in texts]}


def answer(text: str) -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop"}]}


def policy(action: str = "flag", **extra: Any) -> str:
    fields = "".join(f"    {k}: {v}\n" for k, v in extra.items())
    return (f"  - name: judge\n    type: llm\n    prompt: Flag the word FLAG.\n"
            f"    model: openai/gpt-5-mini\n    action: {action}\n{fields}")


@pytest.fixture
async def make(judge: Judge) -> AsyncIterator[Callable[..., Guard]]:
    """Guards whose judge is the stand-in; their connections are closed after the test."""
    made: list[Guard] = []

    def build(policies: str, settings: str = "") -> Guard:
        text = (f"version: 1\nsettings:\n  llm: {{endpoint: '{judge[0]}'}}\n{settings}"
                f"policies:\n{policies}")
        made.append(Guard.from_yaml(text))
        return made[-1]

    yield build
    for guard in made:
        await guard.aclose()


async def test_flagged_input_is_a_flag_violation_with_verdict_in_the_trace(
        make: Callable[..., Guard], judge: Judge) -> None:
    guard = make(policy("flag"))
    decision = await guard.check_request(chat("please FLAG this"), path=CHAT)
    assert (decision.action, decision.status) == ("allow", 200)
    assert [(v.policy, v.action) for v in decision.violations] == [("judge", "flag")]
    trace = decision.trace[0]
    assert trace.detail["flagged"] is True and trace.detail["reason"] == "mentions a flag word"
    logged = entry(trace)
    assert '"flagged":true' in logged and "mentions a flag word" not in logged
    assert "please" not in logged  # the verdict, never the text nor the judge's reason
    sent = judge[1].calls[0]
    assert sent["messages"][0]["role"] == "system" and "Flag the word FLAG." in \
        sent["messages"][0]["content"]
    assert sent["messages"][1] == {"role": "user", "content": "please FLAG this"}
    assert sent["response_format"]["json_schema"]["strict"] is True
    assert decision.findings["llm"] == ["judge"]


async def test_not_flagged_passes(make: Callable[..., Guard]) -> None:
    decision = await make(policy("block")).check_request(chat("all good"), path=CHAT)
    assert (decision.action, decision.violations) == ("allow", [])
    assert decision.trace[0].detail["flagged"] is False


async def test_block_is_400_with_the_policy_message(make: Callable[..., Guard]) -> None:
    guard = make(policy("block", message="'not on our watch'"))
    decision = await guard.check_request(chat("FLAG"), path=CHAT)
    assert decision.status == 400
    assert decision.error == {"error": {"message": "not on our watch", "type": "guard_violation",
                                        "code": "judge", "param": None}}


@pytest.mark.parametrize("text", ["SLOW", "GARBAGE", "BROKEN"])
async def test_judge_failures_follow_on_error(make: Callable[..., Guard], judge: Judge,
                                              text: str) -> None:
    judge[1].slow = 60.0
    closed = make(policy("block", timeout_ms=300))
    started = time.monotonic()
    denied = await closed.check_request(chat(text), path=CHAT)
    assert time.monotonic() - started < 20  # the timeout bounds the wait: not a minute's hang
    assert (denied.action, denied.status) == ("deny", 503)
    assert denied.violations[0].action == "error"
    opened = make(policy("block", timeout_ms=300, on_error="allow"))
    allowed = await opened.check_request(chat(text), path=CHAT)
    assert allowed.action == "allow"
    assert [(v.policy, v.action, v.enforced) for v in allowed.violations] == [
        ("judge", "error", False)]


async def test_verdicts_are_cached_by_text_hash(make: Callable[..., Guard],
                                               judge: Judge) -> None:
    guard = make(policy("flag"))
    first = await guard.check_request(chat("FLAG me"), path=CHAT)
    again = await guard.check_request(chat("FLAG me"), path=CHAT)
    other = await guard.check_request(chat("something else"), path=CHAT)
    assert len(judge[1].calls) == 2
    assert [d.trace[0].detail["cached"] for d in (first, again, other)] == [0, 1, 0]
    assert again.violations[0].action == "flag"  # a cached flag still flags


async def test_a_growing_conversation_judges_only_its_new_messages(
        make: Callable[..., Guard], judge: Judge) -> None:
    guard = make(policy("flag"))
    turn = chat("first question")
    await guard.check_request(turn, path=CHAT)
    turn["messages"] += [{"role": "assistant", "content": "first answer"},
                         {"role": "user", "content": "second question, FLAG"}]
    decision = await guard.check_request(turn, path=CHAT)
    assert judge[1].texts()[0] == "first question"
    assert sorted(judge[1].texts()[1:]) == ["first answer", "second question, FLAG"]
    detail = decision.trace[0].detail
    assert (detail["judged"], detail["cached"], detail["flagged"]) == (2, 1, True)
    assert decision.violations[0].action == "flag"


async def test_one_failing_text_fails_the_check(make: Callable[..., Guard]) -> None:
    guard = make(policy("flag", timeout_ms=2000))
    decision = await guard.check_request(chat("fine", "BROKEN", "SLOW"), path=CHAT)
    assert decision.status == 503 and "HTTP 500" in decision.violations[0].message


async def test_failures_are_not_cached(make: Callable[..., Guard], judge: Judge) -> None:
    # the judge fails the same way every time (HTTP 500), never by a timeout race
    guard = make(policy("flag", on_error="allow", timeout_ms=120_000))
    for _ in range(2):
        decision = await guard.check_request(chat("BROKEN"), path=CHAT)
        assert "HTTP 500" in decision.violations[0].message
    assert judge[1].texts() == ["BROKEN", "BROKEN"]
    check = guard.engine.input_checks[0]
    assert isinstance(check, LlmCheck) and len(check.cache) == 0


async def test_the_judge_sees_text_after_the_pii_policies(make: Callable[..., Guard],
                                                         judge: Judge) -> None:
    pii = "  - {name: pii, type: pii, entities: [EMAIL_ADDRESS], action: redact}\n"
    guard = make(pii + policy("flag"))
    decision = await guard.check_request(chat("mail jane.doe@example.com, FLAG"), path=CHAT)
    assert [v.policy for v in decision.violations] == ["pii", "judge"]
    assert judge[1].texts() == ["mail <EMAIL_ADDRESS>, FLAG"]


def test_a_pii_policy_after_a_judge_of_the_same_stage_is_a_load_error(
        make: Callable[..., Guard]) -> None:
    pii = "  - {name: pii, type: pii, entities: [EMAIL_ADDRESS], stages: [output]}\n"
    with pytest.raises(PolicyError) as info:
        make(policy("flag", stages="[input, output]") + pii)
    assert "comes after llm policy 'judge'" in str(info.value)
    make(policy("flag", stages="[input]") + pii)  # no shared stage: fine


async def test_output_stage_judges_the_answer(make: Callable[..., Guard],
                                             judge: Judge) -> None:
    guard = make(policy("block", stages="[output]"))
    decision = await guard.check_request(chat("hello FLAG"), path=CHAT)
    assert decision.action == "allow" and judge[1].calls == []  # input not judged
    result = await guard.check_response(decision, answer("here is the FLAG you wanted"))
    assert (result.action, result.status) == ("deny", 400)
    assert judge[1].texts() == ["here is the FLAG you wanted"]


class SlowCheck(Check):
    """Another check of the same stage that runs until the judge has its call (a store, a
    thread...): it can only end if the judge's call started while it ran."""

    def __init__(self, judge: JudgeState) -> None:
        super().__init__(PolicyMeta("slow", "rule", frozenset({"input"}), "enforce", "block",
                                    None, "test:1"))
        self.judge = judge
        self.saw_the_call = False

    async def evaluate(self, ctx: Context) -> Outcome:
        deadline = time.monotonic() + 30  # only a bound against a hang, never the verdict
        while not self.judge.calls and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        self.saw_the_call = bool(self.judge.calls)
        return Outcome("pass")


async def test_the_judge_runs_while_the_other_checks_do(make: Callable[..., Guard],
                                                       judge: Judge) -> None:
    guard = make(policy("flag"))
    slow = SlowCheck(judge[1])
    guard.engine.input_checks.insert(0, slow)  # before the judge in policy order
    decision = await guard.check_request(chat("FLAG"), path=CHAT)
    assert [v.policy for v in decision.violations] == ["judge"]
    # the judge's request arrived while the slow check was still running
    assert slow.saw_the_call and len(judge[1].calls) == 1


async def test_an_earlier_denial_cancels_the_started_judge(make: Callable[..., Guard],
                                                           judge: Judge) -> None:
    judge[1].delay = 60.0
    rule = "  - {name: deny-all, type: rule, deny_if: 'true'}\n"
    guard = make(policy("flag", timeout_ms=120_000) + rule)  # the rule runs after the judge
    guard.engine.input_checks.reverse()  # started... and, reordered, before its turn
    started = time.monotonic()
    decision = await guard.check_request(chat("x"), path=CHAT)
    assert decision.status == 400
    assert time.monotonic() - started < 20  # not the judge's minute: its call was cancelled


async def test_when_false_at_the_start_means_no_call(make: Callable[..., Guard],
                                                    judge: Judge) -> None:
    guard = make(policy("flag", when="request.model == 'other/model'"))
    decision = await guard.check_request(chat("FLAG"), path=CHAT)
    assert decision.violations == [] and judge[1].calls == []


async def test_api_key_comes_from_the_named_variable(judge: Judge,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUDGE_KEY", "sk-test-123")
    settings = f"settings:\n  llm: {{endpoint: '{judge[0]}/v1', api_key_env: JUDGE_KEY}}\n"
    guard = Guard.from_yaml(f"version: 1\n{settings}policies:\n{policy('flag')}")
    try:
        await guard.check_request(chat("hi"), path=CHAT)
        assert judge[1].headers[0]["authorization"] == "Bearer sk-test-123"
        monkeypatch.delenv("JUDGE_KEY")
        missing = await guard.check_request(chat("other"), path=CHAT)
        assert missing.status == 503 and "JUDGE_KEY" in missing.violations[0].message
    finally:
        await guard.aclose()


def test_no_endpoint_is_a_load_error_with_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUARD_JUDGE_ENDPOINT", raising=False)
    with pytest.raises(PolicyError) as info:
        Guard.from_yaml(f"version: 1\npolicies:\n{policy('flag')}", name="p.yaml")
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.path) == ("p.yaml", 4, "policies[0].type")
    assert "set settings.llm.endpoint" in problem.message


async def test_at_most_max_concurrency_judge_calls_at_once(judge: Judge) -> None:
    judge[1].hold_until = 2  # the judge answers once two calls were in flight together
    settings = f"settings:\n  llm: {{endpoint: '{judge[0]}', max_concurrency: 2}}\n"
    guard = Guard.from_yaml(f"version: 1\n{settings}policies:\n"
                            f"{policy('flag', timeout_ms=120_000)}")
    decisions = await asyncio.gather(*(guard.check_request(chat(f"text {i}"), path=CHAT)
                                       for i in range(4)))
    await guard.aclose()
    assert [d.action for d in decisions] == ["allow"] * 4 and len(judge[1].calls) == 4
    assert judge[1].peak == 2  # two at once; the others waited for a slot


def test_the_sync_api_judges_and_leaves_no_connection_open(judge: Judge) -> None:
    settings = f"settings:\n  llm: {{endpoint: '{judge[0]}'}}\n"
    guard = Guard.from_yaml(f"version: 1\n{settings}policies:\n{policy('flag')}")
    for text in ("FLAG", "fine"):  # a fresh event loop each: its pool is closed with it
        decision = guard.check_request_sync(chat(text), path=CHAT)
        assert decision.trace[0].detail["flagged"] is (text == "FLAG")
    result = guard.check_response_sync(decision, answer("ok"))
    assert result.action == "allow" and len(judge[1].calls) == 2


async def test_the_decision_log_has_the_verdict_and_never_the_text(
        make: Callable[..., Guard], tmp_path: Path) -> None:
    from guard.observe import DecisionLog

    guard = make(policy("flag", stages="[input, output]"))
    decision = await guard.check_request(chat("secret plan: FLAG zebra"), path=CHAT)
    result = await guard.check_response(decision, answer("the zebra FLAG answer"))
    log = DecisionLog.from_setting(f"file:{tmp_path / 'log.jsonl'}")
    log.record(decision, result)
    log.close()
    line = (tmp_path / "log.jsonl").read_text()
    entries = [p for p in json.loads(line)["policies"] if p["policy"] == "judge"]
    assert [(e["stage"], e["flagged"], "reason" in e) for e in entries] == [
        ("input", True, False), ("output", True, False)]  # a reason may quote the text
    assert "zebra" not in line and "secret plan" not in line


async def test_explain_reads_a_judges_when_once_in_policy_order(
        make: Callable[..., Guard]) -> None:
    from guard.cli.explain import attach, instrument

    rule = "  - {name: first, type: rule, when: 'request.model != \"\"', deny_if: 'false'}\n"
    guard = make(rule + policy("flag", when='request.text.contains("x")'))
    readings = instrument(guard)
    decision = await guard.check_request(chat("x FLAG"), path=CHAT)
    trace = [t.to_json() for t in decision.trace]
    attach(trace, readings)
    assert [(t["policy"], t["conditions"]["when"]["result"]) for t in trace] == [
        ("first", "true"), ("judge", "true")]
    assert len(readings) == 3  # first: when, deny_if; judge: when (its early look not logged)
