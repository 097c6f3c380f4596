"""Prometheus metrics from real decisions: counts, latencies, spend, refusals, exposition."""

from __future__ import annotations

import time
import timeit
from collections.abc import Iterable

import pytest
from prometheus_client import REGISTRY, CollectorRegistry, Histogram
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

from guard import Guard
from guard.observe import Metrics
from guard.observe.metrics import SECONDS
from guard.observe.series import HistogramSeries
from tests.observe.traffic import FORBIDDEN, Exchange, leaks, traffic


@pytest.fixture
async def exchanges(guard: Guard) -> list[Exchange]:
    return await traffic(guard)


@pytest.fixture
def metrics(exchanges: list[Exchange]) -> Metrics:
    metrics = Metrics()
    for ex in exchanges:
        metrics.observe(ex.decision, ex.response)
        metrics.observe_settled(ex.decision, ex.usage)  # denied: released, not charged
    return metrics


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_decisions_by_api_and_final_action(metrics: Metrics) -> None:
    assert sample(metrics, "guard_decisions_total", api="openai.chat", action="modify") == 1
    assert sample(metrics, "guard_decisions_total", api="openai.chat", action="allow") == 2
    assert sample(metrics, "guard_decisions_total", api="openai.chat", action="deny") == 5


def test_policy_outcomes_by_policy_type_stage_and_verdict(metrics: Metrics) -> None:
    def outcomes(policy: str, kind: str, verdict: str, stage: str = "input") -> float | None:
        return sample(metrics, "guard_policy_outcomes_total", policy=policy, type=kind,
                      stage=stage, verdict=verdict)

    assert outcomes("pseudonymize-contacts", "pii", "modify") == 1
    assert outcomes("no-cards", "pii", "deny") == 1
    assert outcomes("no-injection", "content", "deny") == 1
    assert outcomes("approved-models", "route", "deny") == 1
    assert outcomes("team-tokens", "budget", "deny") == 1
    assert outcomes("tag-check", "rule", "error") == 5
    assert outcomes("no-secrets", "content", "modify", stage="output") == 1
    assert outcomes("no-secrets", "content", "pass", stage="output") == 2


def test_rate_limit_refusals_per_policy(metrics: Metrics) -> None:
    refused = sample(metrics, "guard_rate_limit_refusals_total", policy="user-requests",
                     limited="requests")
    assert refused == 1


def test_check_latency_per_stage_and_per_policy_type(metrics: Metrics,
                                                     exchanges: list[Exchange]) -> None:
    assert sample(metrics, "guard_check_duration_seconds_count", stage="input") == 8
    assert sample(metrics, "guard_check_duration_seconds_count", stage="output") == 3
    total = sample(metrics, "guard_check_duration_seconds_sum", stage="input")
    assert total == pytest.approx(sum(ex.decision.duration_ms for ex in exchanges) / 1000)
    # two PII policies ran on each request but the one the route policy refused
    assert sample(metrics, "guard_policy_duration_seconds_count", type="pii",
                  stage="input") == 14
    inf = sample(metrics, "guard_policy_duration_seconds_bucket", type="pii", stage="input",
                 le="+Inf")
    assert inf == 14


def test_stage_seconds_measured_by_the_caller_win(exchanges: list[Exchange]) -> None:
    metrics = Metrics()
    first = exchanges[0]
    metrics.observe(first.decision, first.response, stage_seconds={"output": 0.75})
    assert sample(metrics, "guard_check_duration_seconds_sum", stage="output") == 0.75
    assert sample(metrics, "guard_check_duration_seconds_bucket", stage="output",
                  le="0.5") == 0
    assert sample(metrics, "guard_check_duration_seconds_bucket", stage="output",
                  le="1.0") == 1


def test_budget_spend_counts_settled_amounts(metrics: Metrics) -> None:
    # three answers of 40 + 10 tokens were settled
    assert sample(metrics, "guard_budget_spend_total", policy="team-tokens",
                  unit="tokens") == 150
    metrics.observe_settlement("team-usd", "usd", 0.25)
    metrics.observe_settlement("team-usd", "usd", -1.0)  # ignored
    assert sample(metrics, "guard_budget_spend_total", policy="team-usd", unit="usd") == 0.25


def test_a_failed_upstream_call_or_a_denial_charges_nothing(exchanges: list[Exchange]) -> None:
    metrics = Metrics()
    metrics.observe_settled(exchanges[0].decision, {"prompt_tokens": 9}, status=502)
    metrics.observe_settled(exchanges[-1].decision, {"prompt_tokens": 9})  # rate-limited
    assert sample(metrics, "guard_budget_spend_total", policy="team-tokens",
                  unit="tokens") is None


def test_render_is_prometheus_text_without_identities_buckets_or_text(
        metrics: Metrics, exchanges: list[Exchange]) -> None:
    body, content_type = metrics.render()
    assert content_type.startswith("text/plain; version=")
    text = body.decode()
    names = {family.name for family in text_string_to_metric_families(text)}
    assert names == {"guard_decisions", "guard_policy_outcomes", "guard_rate_limit_refusals",
                     "guard_budget_spend", "guard_check_duration_seconds",
                     "guard_policy_duration_seconds"}
    secrets = [*FORBIDDEN, "sha256:", "gpt-4o", "gpt-3.5"]
    secrets += [str(v) for ex in exchanges for v in ex.decision.identity.values() if v]
    secrets += [t.detail["bucket"] for ex in exchanges for t in ex.decision.trace
                if "bucket" in t.detail]
    assert leaks(text, secrets) == []


def test_each_instance_has_its_own_registry(exchanges: list[Exchange]) -> None:
    one, two = Metrics(), Metrics()
    one.observe(exchanges[0].decision)
    assert sample(one, "guard_decisions_total", api="openai.chat", action="modify") == 1
    assert sample(two, "guard_decisions_total", api="openai.chat", action="modify") is None
    assert REGISTRY.get_sample_value("guard_decisions_total",
                                     {"api": "openai.chat", "action": "modify"}) is None


def test_an_observation_is_cheap(exchanges: list[Exchange]) -> None:
    """About 5 µs for 10 policies here; the bound only catches a gross regression.

    Timed in this thread's CPU time, not on the wall clock: a loaded machine (other
    processes, the suite's server threads) must not fail it."""
    metrics, first = Metrics(), exchanges[0]
    seconds = min(timeit.repeat(lambda: metrics.observe(first.decision, first.response),
                                number=200, repeat=5, timer=time.thread_time)) / 200
    assert seconds < 200e-6


def test_histograms_bucket_like_prometheus_client() -> None:
    values = [0.00005, 0.0001, 0.0003, 0.001, 0.0010001, 0.5, 2.5, 3.0]
    ours = HistogramSeries("h", "doc", ("stage",), SECONDS)
    registry = CollectorRegistry()
    theirs = Histogram("h", "doc", ["stage"], buckets=SECONDS, registry=registry)
    for value in values:
        ours.observe(("input",), value)
        theirs.labels("input").observe(value)

    def samples(families: Iterable[Metric]) -> set[tuple[str, tuple[tuple[str, str], ...], float]]:
        return {(s.name, tuple(sorted(s.labels.items())), s.value) for f in families
                for s in f.samples if not s.name.endswith("_created")}

    assert samples([ours.family()]) == samples(registry.collect())
