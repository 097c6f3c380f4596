"""Budgets settle streamed calls from their usage, through every real SDK.

15 streamed calls of 95 tokens each (the stand-in reports 75 in, 20 out) against a budget of
1000 tokens a minute: each call reserves its estimate (a few input tokens plus its
``max_tokens`` of 20) and is settled to 95 as soon as the stream's closing event passes guard,
before the SDK has read the end; so the 11th call is the last that fits and the 12th at the
latest is refused with 402, in the API's own error shape. A reservation left to expire
instead of settled would let far more through (each holds only ~25). Afterwards the store
holds the settled spend and no reservation: its usage is the same now and after every hold
would have run out.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import guard.engine.engine
import guard.library
from guard.limits.windows import calendar_window
from guard.serve.app import build_app
from tests.serve.answer_stand_in import build
from tests.serve.sdk_streams import CALLS, refused_status, streams
from tests.serve.servers import running

CALLS_MADE, PER_CALL, LIMIT, MAX_TOKENS = 15, 95, 1000, 20
POLICIES = """version: 1
settings: {store: "STORE", decision_log: none}
policies:
  - {name: spend, type: budget, per: '"all"', limit_tokens: 1000, window: minute}
"""


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with running(build(streams((75, 20)))) as url:
        yield url


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[], datetime]:
    """Guard's clock, set back to second 5 of the current minute: the minute window cannot
    turn during a run (a new window would start the budget afresh)."""
    real = datetime.now(UTC)
    shift = timedelta(seconds=real.second - 5, microseconds=real.microsecond)

    class Shifted(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime.now(tz) - shift

    for module in (guard.engine.engine, guard.library):
        monkeypatch.setattr(module, "datetime", Shifted)
    return lambda: datetime.now(UTC) - shift


def store_usage(app: Any, now: datetime, later: float = 0.0) -> float:
    """The budget key's usage at ``now`` (plus ``later`` seconds): settled plus live holds."""
    store = app.source().compiled.store.get()
    bucket = hashlib.sha256(b"all").hexdigest()[:16]
    key = f"budget/spend/{bucket}/{calendar_window('minute', now).label}"
    return float(asyncio.run(store.usage(key, now=now.timestamp() + later)))


@pytest.mark.parametrize("store", ["memory", "sqlite"])
@pytest.mark.parametrize("api", sorted(CALLS))
def test_streamed_calls_settle_and_the_budget_refuses_in_time(
        api: str, store: str, upstream: str, clock: Callable[[], datetime], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    url_store = "memory://" if store == "memory" else f"sqlite:///{tmp_path / 'state.db'}"
    monkeypatch.delenv("GUARD_STORE")  # this run's store, not the suite's
    policies = tmp_path / "p.yaml"
    policies.write_text(POLICIES.replace("STORE", url_store))
    app = build_app(policies, upstream)
    outcomes: list[int] = []
    with running(app) as url:
        for _ in range(CALLS_MADE):
            try:
                text = CALLS[api](url, f"stream.{api}", MAX_TOKENS)
            except Exception as exc:  # the SDK's API error: its status
                status = refused_status(exc)
                assert status is not None, repr(exc)
                outcomes.append(status)
                assert "budget 'spend' exhausted" in str(exc)
                continue
            assert text.startswith("Write to ")  # the whole answer came through
            outcomes.append(200)
        admitted = outcomes.count(200)
        assert outcomes == [200] * admitted + [402] * (CALLS_MADE - admitted), outcomes
        assert admitted <= 11, f"the {admitted + 1}th call was the first refused"
        assert admitted >= 10  # 10 settled calls leave room for one more estimate
        now = clock()
        settled = store_usage(app, now)
        assert settled == admitted * PER_CALL  # every call settled to its usage
        assert store_usage(app, now, 3600.0) == settled  # and no hold is left to run out


def test_the_budget_refusal_is_in_each_apis_shape(upstream: str, clock: Callable[[], datetime],
                                                    tmp_path: Path) -> None:
    """A budget already spent: each SDK raises its own error type with status 402."""
    import anthropic
    import openai
    from google.genai import errors

    policies = tmp_path / "p.yaml"
    policies.write_text(POLICIES.replace("STORE", "memory://").replace("1000", "10"))
    kinds = {"chat": openai.APIStatusError, "responses": openai.APIStatusError,
             "messages": anthropic.APIStatusError, "gemini": errors.ClientError}
    with running(build_app(policies, upstream)) as url:
        for api, kind in kinds.items():
            with pytest.raises(kind) as refused:
                CALLS[api](url, f"stream.{api}", MAX_TOKENS)
            assert refused_status(refused.value) == 402
