"""Prometheus metrics of guard's decisions, in a registry of their own.

Labels are policy names, policy types, stages, verdicts, APIs, actions and
units: all bounded by the policy set or by guard itself. Never a model name
(the caller chooses it), an identity or a budget bucket: those would grow the
series without bound and put who-called-what into a metrics system that is
rarely treated as sensitive.

Its own :class:`~prometheus_client.CollectorRegistry` (not the process-wide
default) so two guards in one process, or the tests, never collide, and so
``/metrics`` shows guard's series only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from guard.engine.decision import Decision, PolicyTrace, ResponseDecision
from guard.observe.events import all_traces, final_action, output_ms
from guard.observe.series import CounterSeries, HistogramSeries, Series, families

SECONDS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
           0.5, 1.0, 2.5)
"""Histogram buckets: guard's checks take from tens of µs (a route) to tens of ms (NER)."""
LIMITED_KINDS = frozenset({"requests", "tokens"})


class Metrics(Collector):
    """Counters and histograms of decisions; ``render`` is the body of ``/metrics``.

    Thread-safe: every update of one request happens under one lock (see
    :mod:`guard.observe.series` for why not ``prometheus_client``'s metric objects).
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self._lock = threading.Lock()
        self.decisions = CounterSeries("guard_decisions", "Requests decided, by API and "
                                       "final action.", ("api", "action"))
        self.policy_outcomes = CounterSeries("guard_policy_outcomes", "Policy evaluations, "
                                             "by policy, type, stage and verdict.",
                                             ("policy", "type", "stage", "verdict"))
        self.rate_limited = CounterSeries("guard_rate_limit_refusals", "Requests refused by "
                                          "a rate limit, by policy and what ran out.",
                                          ("policy", "limited"))
        self.budget_spend = CounterSeries("guard_budget_spend", "Spend settled against "
                                          "budgets, by policy and unit (usd or tokens).",
                                          ("policy", "unit"))
        self.check_seconds = HistogramSeries("guard_check_duration_seconds", "Time guard "
                                             "spent checking, per stage.", ("stage",), SECONDS)
        self.policy_seconds = HistogramSeries("guard_policy_duration_seconds", "Time one "
                                              "policy took, per policy type and stage.",
                                              ("type", "stage"), SECONDS)
        self._series: tuple[Series, ...] = (
            self.decisions, self.policy_outcomes, self.rate_limited, self.budget_spend,
            self.check_seconds, self.policy_seconds)
        self.registry = registry if registry is not None else CollectorRegistry()
        self.registry.register(self)

    def observe(self, decision: Decision, response: ResponseDecision | None = None, *,
                stage_seconds: Mapping[str, float] | None = None) -> None:
        """Count one request; call once, after the answer when there is one.

        ``stage_seconds`` (``{"input": s, "output": s}``) overrides the stage times
        read from the decision, for a caller that measured them itself (a streamed
        answer's output checks are spread over many chunks).
        """
        traces = all_traces(decision, response)
        stages = self._stage_seconds(decision, response, stage_seconds)
        with self._lock:
            self.decisions.inc((decision.api, final_action(decision, response)))
            for trace in traces:
                self._observe_trace(trace)
            for stage, seconds in stages.items():
                self.check_seconds.observe((stage,), seconds)

    def observe_settlement(self, policy: str, unit: str, amount: float) -> None:
        """Add a settled spend to ``policy``'s budget counter (negative amounts are ignored)."""
        if amount > 0:
            with self._lock:
                self.budget_spend.inc((policy, unit), amount)

    def observe_settled(self, decision: Decision, usage: Mapping[str, Any] | None, *,
                        status: int = 200) -> None:
        """Count what ``Guard.settle`` (or ``check_response``) just charged ``decision``.

        Mirrors the settlement: a denied request's holds were released and an
        upstream failure (``status`` >= 400) charged nothing; otherwise each budget
        hold was charged ``usage`` in its unit. Call it once per request.
        """
        if status >= 400 or not decision.allowed:
            return
        for hold in getattr(decision.state.get("context"), "holds", ()):
            self.observe_settlement(hold.policy, hold.unit, hold.actual(usage))

    def render(self) -> tuple[bytes, str]:
        """``(body, content type)`` for a ``/metrics`` response."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def collect(self) -> Iterable[Metric]:
        """The metric families now (called by the registry on each scrape)."""
        with self._lock:
            return list(families(self._series))

    def describe(self) -> Iterable[Metric]:
        """The families' names, without samples, for the registry's duplicate check."""
        return [type(s.family())(s.name, s.doc, labels=s.labels) for s in self._series]

    def _observe_trace(self, trace: PolicyTrace) -> None:
        self.policy_outcomes.inc((trace.policy, trace.type, trace.stage, trace.verdict))
        if trace.verdict != "skip":
            self.policy_seconds.observe((trace.type, trace.stage), trace.duration_ms / 1000)
        if trace.type == "rate_limit" and trace.verdict == "deny" and trace.enforced:
            limited = trace.detail.get("limited")
            kind = limited if limited in LIMITED_KINDS else "other"
            self.rate_limited.inc((trace.policy, kind))

    @staticmethod
    def _stage_seconds(decision: Decision, response: ResponseDecision | None,
                       given: Mapping[str, float] | None) -> dict[str, float]:
        seconds = {"input": decision.duration_ms / 1000}
        if response is not None and response.trace is not decision.trace and response.trace:
            seconds["output"] = output_ms(response, decision) / 1000
        return {**seconds, **(given or {})}
