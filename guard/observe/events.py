"""The decision-log event of one request: what may be written down, and nothing else.

An event is built by *allow-listing*, never by dumping a decision: every field
is copied from a place known to hold only names, counts, hashes or numbers, and
coerced to that type on the way. What never appears: request or response text,
bodies, PII values, pseudonym tokens or their mappings, API keys, identity
values in the clear, budget bucket values (only the hashes the checks already
made), error texts of failed checks (a store error can carry a URL with a
password; a CEL error can quote a value).

Violation messages are kept only for ``route``, ``rule``, ``budget`` and
``rate_limit`` policies: guard writes those from the policy file (rule
messages, limits, windows) and the model name. Content and PII messages also
name only detectors and entities today, but a policy's own ``message`` or a
future detector could quote the text it found, so they are left out; the
policy, action and status say what happened. Messages of requests refused
before any policy ran (unparsable body, too large) can quote the body's parser
error and are left out too.

Identity fields are hashed with :func:`~guard.engine.identity.hash_secret`,
unkeyed: ``sha256:`` + 128 bits. Unkeyed means the hash is the same on every
instance and after every restart, so an operator who knows a user id can find
its lines (hash it the same way) and join them with the key hashes. The price:
someone who already has a list of candidate ids can confirm which ones appear.
A key would not remove that: budget and rate-limit bucket hashes in the traces
are unkeyed SHA-256 of the same values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from guard.engine.decision import Action, Decision, PolicyTrace, ResponseDecision, Violation
from guard.engine.identity import hash_secret
from guard.observe.entries import counts, entry, names

Event = dict[str, Any]
_ENCODER = json.JSONEncoder(separators=(",", ":"))
SAFE_MESSAGE_TYPES = frozenset({"route", "rule", "budget", "rate_limit"})
MAX_MESSAGE = 300


def _text(value: Any) -> str:
    return str(value)[:MAX_MESSAGE]


def decision_line(decision: Decision, response: ResponseDecision | None = None, *,
                  status: int | None = None, duration_ms: float | None = None,
                  stream: bool = False, now: datetime | None = None) -> str:
    """The one log event of ``decision`` (and its ``response``), as one line of JSON.

    Policies come last, each written by :func:`guard.observe.entries.entry`
    (what a policy's entry may hold, and why it is not a dict).
    """
    traces = all_traces(decision, response)
    head: Event = {
        "decision_id": decision.decision_id,
        "time": _utc(now or datetime.now(UTC)),
        "revision": decision.revision,
        "api": decision.api,
        "model": None if decision.model is None else _text(decision.model),
        "stream": stream,
        "identity": hashed_identity(decision.identity),
        "action": final_action(decision, response),
        "status": final_status(decision, response, status),
        "violations": _violations(decision, response, _types(traces)),
        "pii": _pii_totals(traces),
        "detectors": _detectors(traces),
        "timings": _timings(decision, response, duration_ms),
    }
    if not decision.inspected:  # forwarded unread: settings.passthrough or unknown_api: allow
        head["inspected"] = False
    policies = ",".join(map(entry, traces))
    return f'{_ENCODER.encode(head)[:-1]},"policies":[{policies}]}}'


def all_traces(decision: Decision, response: ResponseDecision | None) -> list[PolicyTrace]:
    """Input then output traces (a response to a denied request has none of its own)."""
    if response is None or response.trace is decision.trace:
        return list(decision.trace)
    return [*decision.trace, *response.trace]


def final_action(decision: Decision, response: ResponseDecision | None) -> Action:
    """Deny if either stage denied; modify if either changed the traffic; else allow."""
    actions = {decision.action, response.action if response else "allow"}
    if "deny" in actions:
        return "deny"
    return "modify" if "modify" in actions else "allow"


def final_status(decision: Decision, response: ResponseDecision | None,
                 status: int | None) -> int:
    """What the caller got: ``status`` when the caller knows it, else guard's own."""
    if status is not None:
        return status
    return response.status if response is not None else decision.status


def hashed_identity(identity: Mapping[str, str | None]) -> dict[str, str]:
    """Present identity fields as hashes; the key arrives hashed and is not hashed twice."""
    out: dict[str, str] = {}
    for name, value in identity.items():
        if value is None:
            continue
        already = name == "key" and value.startswith("sha256:")
        out[name] = value if already else hash_secret(value)
    return out


def output_ms(response: ResponseDecision | None, decision: Decision) -> float:
    """Time the output checks took (their traces' sum: the stage has no clock of its own)."""
    if response is None or response.trace is decision.trace:
        return 0.0
    return sum(t.duration_ms for t in response.trace)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _types(traces: Iterable[PolicyTrace]) -> dict[str, str]:
    return {t.policy: t.type for t in traces}


def _violations(decision: Decision, response: ResponseDecision | None,
                types: Mapping[str, str]) -> list[Event]:
    staged = [("input", v) for v in decision.violations]
    if response is not None and response.violations is not decision.violations:
        staged += [("output", v) for v in response.violations]
    return [_violation(stage, v, types.get(v.policy)) for stage, v in staged]


def _violation(stage: str, violation: Violation, policy_type: str | None) -> Event:
    item: Event = {"policy": violation.policy, "stage": stage, "action": violation.action,
                   "status": violation.status, "enforced": violation.enforced}
    if policy_type in SAFE_MESSAGE_TYPES and violation.action != "error":
        item["message"] = _text(violation.message)
    return item


def _pii_totals(traces: Iterable[PolicyTrace]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for trace in traces:
        if trace.type == "pii" and trace.detail.get("entities"):
            for name, count in counts(trace.detail["entities"]).items():
                totals[name] = totals.get(name, 0) + count
    return totals


def _detectors(traces: Iterable[PolicyTrace]) -> list[str]:
    found = (n for t in traces if t.type == "content" for n in names(t.detail.get("detectors")))
    return list(dict.fromkeys(found))


def _timings(decision: Decision, response: ResponseDecision | None,
             duration_ms: float | None) -> Event:
    timings: Event = {"input_ms": round(decision.duration_ms, 3)}
    if response is not None:
        timings["output_ms"] = round(output_ms(response, decision), 3)
    if duration_ms is not None:
        timings["total_ms"] = round(duration_ms, 3)
    return timings
