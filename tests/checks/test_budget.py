"""``type: budget`` through ``Guard``: reserve, refuse with 402, settle from usage, release."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from guard import Guard
from guard.engine.decision import Decision

CHAT = "/v1/chat/completions"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ONE_CALL = (6 * 0.15 + 100 * 0.60) / 1e6  # "Hello world" + framing, max_tokens 100, gpt-4o-mini


def guard(limit: str, extra: str = "", settings: str = "") -> Guard:
    return Guard.from_yaml(f"""version: 1
settings: {{store: "memory://"{settings}}}
identity:
  team: request.headers["x-team"]
policies:
  - name: team-budget
    type: budget
    per: identity.team
    {limit}
    window: month
{extra}""")


def call(model: str = "gpt-4o-mini", max_tokens: int = 100) -> dict[str, Any]:
    return {"model": model, "max_tokens": max_tokens,
            "messages": [{"role": "user", "content": "Hello world"}]}


def answer(prompt: int, completion: int) -> dict[str, Any]:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion}}


def run(g: Guard, body: dict[str, Any], team: str | None = "eu",
        now: datetime = NOW) -> Decision:
    headers = {"x-team": team} if team else {}
    return asyncio.run(g.check_request(body, path=CHAT, headers=headers, now=now))


def usage(g: Guard, team: str, now: datetime = NOW) -> float:
    from guard.checks.budget import BudgetCheck

    check = g.engine.input_checks[0]
    assert isinstance(check, BudgetCheck)
    import hashlib

    bucket = hashlib.sha256(team.encode()).hexdigest()[:16]
    key = f"budget/team-budget/{bucket}/{now.strftime('%Y%m01T0000')}"
    return asyncio.run(g.compiled.store.get().usage(key, now=now.timestamp()))


def test_calls_are_admitted_until_the_reservation_would_not_fit() -> None:
    g = guard(f"limit_usd: {ONE_CALL * 2.5}")
    assert run(g, call()).action == "allow"
    assert run(g, call()).action == "allow"
    denied = run(g, call())
    assert (denied.action, denied.status) == ("deny", 402)
    assert denied.error is not None
    message = denied.error["error"]["message"]
    assert message.startswith("budget 'team-budget' exhausted: $0.0000 of $0.0002 left this "
                              "month (resets 2026-12-01T00:00:00Z); this call may cost up to")
    assert run(g, call(), team="us").action == "allow"  # another bucket


def test_requests_without_a_bucket_are_not_counted() -> None:
    g = guard(f"limit_usd: {ONE_CALL / 2}")
    d = run(g, call(), team=None)
    assert d.action == "allow" and d.trace[0].detail == {"counted": False}


def test_settling_from_usage_frees_what_was_not_spent() -> None:
    g = guard(f"limit_usd: {ONE_CALL * 1.5}")
    first = run(g, call())
    assert run(g, call()).action == "deny"
    reply = g.check_response_sync(first, answer(6, 10), now=NOW)
    assert reply.action == "allow"
    assert usage(g, "eu") == pytest.approx((6 * 0.15 + 10 * 0.60) / 1e6)
    assert run(g, call()).action == "allow"


def test_token_budgets_count_tokens() -> None:
    g = guard("limit_tokens: 250")
    d = run(g, call())
    assert d.trace[0].detail["amount"] == 106.0
    g.check_response_sync(d, answer(6, 44), now=NOW)
    assert usage(g, "eu") == 50.0


def test_upstream_errors_and_later_denials_release_the_reservation() -> None:
    g = guard(f"limit_usd: {ONE_CALL * 1.5}", extra="""  - name: no-long
    type: rule
    deny_if: request.max_tokens > 1000
""")
    d = run(g, call())
    asyncio.run(g.check_response(d, {"error": {"message": "overloaded"}}, status=529, now=NOW))
    assert usage(g, "eu") == 0.0
    assert run(g, call(max_tokens=2000)).action == "deny"  # refused by the rule...
    assert usage(g, "eu") == 0.0  # ...so the budget's reservation was given back


def test_a_reservation_never_settled_expires() -> None:
    g = guard(f"limit_usd: {ONE_CALL * 1.5}", settings=", reservation_timeout: 60")
    run(g, call())  # the worker "crashes": never settled
    assert run(g, call(), now=NOW + timedelta(seconds=30)).action == "deny"
    assert run(g, call(), now=NOW + timedelta(seconds=61)).action == "allow"


def test_a_new_month_is_a_new_budget() -> None:
    g = guard(f"limit_usd: {ONE_CALL * 1.5}")
    run(g, call())
    assert run(g, call()).action == "deny"
    assert run(g, call(), now=datetime(2026, 12, 1, tzinfo=UTC)).action == "allow"


def test_alert_is_flagged_once_per_window() -> None:
    g = guard("limit_tokens: 1000\n    alert_at: 0.5")
    flags = []
    for _ in range(4):
        d = run(g, call())
        reply = g.check_response_sync(d, answer(6, 194), now=NOW)
        flags += [v for v in reply.violations if v.action == "flag"]
    assert len(flags) == 1
    assert flags[0].message == ("budget 'team-budget' crossed 50% of its limit: "
                                "600.0000 of 1,000.0000 tokens used this window")


def test_unknown_model_with_a_usd_budget_follows_on_error() -> None:
    g = guard("limit_usd: 10")
    d = run(g, call(model="acme/house-model"))
    assert (d.action, d.status) == ("deny", 503)
    assert "model 'acme/house-model' has no price; add it under `pricing:`" in (
        d.violations[0].message)
    g = guard("limit_usd: 10\n    on_error: allow")
    assert run(g, call(model="acme/house-model")).action == "allow"


def test_pricing_overrides_the_table() -> None:
    g = Guard.from_yaml("""version: 1
settings: {store: "memory://"}
pricing:
  acme/house-model: {input: 1000000, output: 0}
policies:
  - {name: b, type: budget, per: '"all"', limit_usd: 10, window: day}
""")
    d = g.check_request_sync(call(model="acme/house-model"), path=CHAT, now=NOW)
    # no tokenizer for this model: 11 characters / 4 + 4 framing = 7 estimated tokens at $1
    assert d.trace[0].detail["amount"] == 7.0 and d.trace[0].detail["estimate"] == "chars/4"


def test_monitor_mode_never_refuses() -> None:
    g = guard(f"limit_usd: {ONE_CALL / 2}\n    mode: monitor")
    d = run(g, call())
    assert d.action == "allow" and d.violations[0].enforced is False


def test_an_unreachable_store_fails_closed_with_a_clear_message(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("GUARD_STORE")
    g = Guard.from_yaml("""version: 1
settings: {store: "redis://127.0.0.1:9/0"}
policies:
  - {name: b, type: budget, per: '"all"', limit_usd: 10, window: day}
""")
    d = g.check_request_sync(call(), path=CHAT, now=NOW)
    assert (d.action, d.status) == ("deny", 503)
    assert d.violations[0].message == "policy 'b' could not be evaluated: state store unavailable"
    assert "127.0.0.1:9" in caplog.text  # the operator's log names the store, the caller not


def test_the_default_sqlite_store_is_shared_by_guards_of_one_file(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("GUARD_STORE", f"sqlite:///{tmp_path}/state.db")
    first, second = guard(f"limit_usd: {ONE_CALL * 1.5}"), guard(f"limit_usd: {ONE_CALL * 1.5}")
    assert run(first, call()).action == "allow"
    assert run(second, call()).action == "deny"  # one budget, two gateway workers
