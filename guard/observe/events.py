"""The decision-log event of one request: what may be written down, and nothing else.

An event is built by *allow-listing*, never by dumping a decision: every field
is copied from a place known to hold only names, counts, hashes or numbers, and
coerced to that type on the way. What never appears: request or response text,
bodies, PII values, pseudonym tokens or their mappings, API keys, identity
values in the clear, budget bucket values (only keyed hashes of the checks' own
hashes), a judge's reason, error texts of failed checks (a store error can carry a URL with a
password; a CEL error can quote a value).

Violation messages are kept only for ``rule``, ``budget`` and ``rate_limit``
policies: guard writes those from the policy file (rule messages, limits,
windows). A route message names the models it refused, which the caller chose;
content and PII messages name only detectors and entities today, but a policy's
own ``message`` or a future detector could quote the text it found, so they are
left out; the policy, action and status say what happened. Messages of requests
refused before any policy ran (unparsable body, too large) can quote the body's
parser error and are left out too.

Everything the caller chose is written only as a keyed hash or not at all
(:mod:`guard.engine.privacy`): identity fields and budget buckets as HMAC-SHA256
under the deployment key, the model (and a route's model) as it is only when the
policy set knows it. The hashes join across lines, restarts and instances that
share the key; without the key a list of candidate e-mails or team names does not
reverse them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from guard.dialects.mcp import METHODS, mcp_view
from guard.engine.decision import Action, Decision, PolicyTrace, ResponseDecision, Violation
from guard.engine.privacy import Privacy
from guard.observe.entries import counts, entry, names

Event = dict[str, Any]
_ENCODER = json.JSONEncoder(separators=(",", ":"))
SAFE_MESSAGE_TYPES = frozenset({"rule", "budget", "rate_limit"})
BUCKETED = frozenset({"budget", "rate_limit"})
REWRITTEN = BUCKETED | {"route"}  # the types whose detail holds a value the caller chose
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
    privacy = decision.privacy
    native = _native(decision)
    head: Event = {
        "decision_id": decision.decision_id,
        "time": _utc(now) if now is not None else _now(),
        "revision": decision.revision,
        "api": decision.api,
        "model": _model(privacy, decision.model, native),
        "stream": stream,
        "identity": hashed_identity(decision.identity, privacy),
        "action": final_action(decision, response),
        "status": final_status(decision, response, status),
        "violations": _violations(decision, response, _types(traces)),
        "pii": _pii_totals(traces),
        "detectors": _detectors(traces),
        "timings": _timings(decision, response, duration_ms),
    }
    if decision.api == "mcp":
        head["mcp"] = _mcp(decision, privacy)
    if not decision.inspected:  # forwarded unread: settings.passthrough or unknown_api: allow
        head["inspected"] = False
    policies = ",".join([_entry(t, privacy, native) if t.type in REWRITTEN else entry(t)
                         for t in traces])
    return f'{_encoded(head)[:-1]},"policies":[{policies}]}}'


def _mcp(decision: Decision, privacy: Privacy | None) -> Event:
    """The method (one of MCP's, else ``other``) and the tool called (a keyed hash unless a
    tools policy names it): what an operator asks of a log of tool traffic."""
    envelope = decision.state.get("envelope")
    view = mcp_view(envelope.body if envelope is not None else {})
    method, tool = view["method"], view["tool"]
    shown = None if tool is None else (privacy.tool(tool) if privacy else "unknown")
    return {"method": method if method in METHODS or method is None else "other",
            "tool": shown}


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


def hashed_identity(identity: Mapping[str, str | None],
                    privacy: Privacy | None) -> dict[str, str]:
    """Present identity fields as keyed hashes; none at all without a key to hash them."""
    return privacy.identity(identity) if privacy is not None else {}


def _native(decision: Decision) -> str | None:
    envelope = decision.state.get("envelope")
    return getattr(getattr(envelope, "dialect", None), "provider", None)


def _model(privacy: Privacy | None, model: str | None, native: str | None) -> str | None:
    """A known model as it is, any other as a keyed hash (``unknown`` without a key)."""
    if model is None:
        return None
    if privacy is None:
        return "unknown"
    return _text(privacy.model(model, native))


def _entry(trace: PolicyTrace, privacy: Privacy | None, native: str | None) -> str:
    """``trace``'s entry with what the caller chose in its detail replaced: a bucket by its
    keyed hash, a route's model as :func:`_model` writes it."""
    if trace.type not in REWRITTEN or not trace.detail:
        return entry(trace)
    detail = trace.detail
    if trace.type in BUCKETED and isinstance(detail.get("bucket"), str):
        bucket = privacy.hash(detail["bucket"]) if privacy is not None else None
        return entry(trace, {**detail, "bucket": bucket})
    if trace.type == "route" and isinstance(detail.get("model"), str):
        return entry(trace, {**detail, "model": _model(privacy, detail["model"], native)})
    return entry(trace)


def output_ms(response: ResponseDecision | None, decision: Decision) -> float:
    """Time the output checks took (their traces' sum: the stage has no clock of its own)."""
    if response is None or response.trace is decision.trace:
        return 0.0
    return sum(t.duration_ms for t in response.trace)


def _encoded(head: Event) -> str:
    """``head`` as compact JSON: orjson (~1 µs, where json's encoder took ~9), or json for
    what orjson refuses (a lone surrogate in a rule's message, a key that is no string)."""
    try:
        return orjson.dumps(head).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return _ENCODER.encode(head)


_second: tuple[int, str] = (-1, "")
"""The last whole second :func:`_now` wrote, and its text up to the seconds (one tuple,
replaced whole: threads that write lines at once read a pair that belongs together)."""


def _now() -> str:
    """The time now as :func:`_utc` writes it, the date and time formatted once a second."""
    global _second
    moment = time.time()
    second, text = _second
    if second != int(moment):
        second = int(moment)
        text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second = (second, text)
    return f"{text}.{int((moment - second) * 1000):03d}Z"


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
