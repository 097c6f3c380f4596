"""What the middleware tells about each exchange: the decision log, the metrics and, when
OpenTelemetry is on, the request's span (:mod:`guard.observe.tracing`), together.

The middleware calls :meth:`Observer.record` once per guarded exchange, after
the answer (or the denial) went out; it never raises into the request path.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guard.engine.decision import Decision, ResponseDecision
from guard.observe.decision_log import DecisionLog
from guard.observe.metrics import Metrics

log = logging.getLogger("guard")


@dataclass
class Observer:
    """A decision log, metrics and tracing, any of which may be absent."""

    decision_log: DecisionLog | None = None
    metrics: Metrics | None = None
    tracing: Any = None  # a guard.observe.tracing.Tracing; Any: no OpenTelemetry types here

    def record(self, decision: Decision, response: ResponseDecision | None, *,
               status: int | None = None, stream: bool = False,
               usage: Mapping[str, Any] | None = None) -> None:
        try:
            if self.decision_log is not None:
                self.decision_log.record(decision, response, status=status, stream=stream)
            if self.metrics is not None:
                self.metrics.observe(decision, response)
                self.metrics.observe_settled(decision, usage, status=status or 200)
            if self.tracing is not None:
                self.tracing.record(decision, response, status)
        except Exception as exc:  # observing must never break traffic
            log.warning("could not record decision %s (%s)", decision.decision_id,
                        type(exc).__name__)
