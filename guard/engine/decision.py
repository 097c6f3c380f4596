"""What guard decided about one request (and its response), as plain data.

A :class:`Decision` is the engine's whole answer: the action, the HTTP status a
caller would get, every violation, the body to forward, and the trace of each
policy for ``--explain`` and the decision log. It never holds raw secrets: the
identity key is already a hash by the time it gets here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from guard.engine.privacy import Privacy

Action = Literal["allow", "modify", "deny"]
Verdict = Literal["pass", "skip", "deny", "modify", "flag", "error"]


@dataclass(frozen=True)
class Violation:
    """A policy that fired: denied, changed or flagged the traffic."""

    policy: str
    message: str
    action: Literal["deny", "modify", "flag", "error"]
    enforced: bool = True
    status: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "message": self.message, "action": self.action,
                "enforced": self.enforced, "status": self.status}


@dataclass(frozen=True)
class PolicyTrace:
    """What one policy did on one stage, for ``--explain`` and the decision log."""

    policy: str
    type: str
    stage: str
    matched: bool
    verdict: Verdict
    duration_ms: float
    enforced: bool = True
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "type": self.type, "stage": self.stage,
                "matched": self.matched, "verdict": self.verdict, "enforced": self.enforced,
                "duration_ms": round(self.duration_ms, 3), "detail": self.detail}


_SEVERITY = {"skip": 0, "pass": 1, "flag": 2, "modify": 3, "deny": 4, "error": 5}


def merged(first: PolicyTrace, later: PolicyTrace) -> PolicyTrace:
    """One policy's traces over many pieces of a stream, as one: the gravest verdict, the
    time summed, counts added, names gathered (the decision log has one entry a policy)."""
    verdict = max(first.verdict, later.verdict, key=_SEVERITY.__getitem__)
    detail = dict(first.detail)
    for key, value in later.detail.items():
        detail[key] = _combined(detail.get(key), value)
    return PolicyTrace(first.policy, first.type, first.stage, first.matched or later.matched,
                       verdict, first.duration_ms + later.duration_ms, first.enforced, detail)


def _combined(old: Any, new: Any) -> Any:
    if isinstance(old, bool) or isinstance(new, bool):
        return new
    if isinstance(old, int | float) and isinstance(new, int | float):
        return old + new
    if isinstance(old, dict) and isinstance(new, dict):
        return {k: _combined(old.get(k), v) for k, v in new.items()} | {
            k: v for k, v in old.items() if k not in new}
    if isinstance(old, list) and isinstance(new, list):
        return list(dict.fromkeys([*old, *new]))
    return new


@dataclass
class Decision:
    """The outcome of the input stage; ``check_response`` extends it with the output stage."""

    decision_id: str
    revision: str
    api: str
    action: Action
    status: int
    violations: list[Violation]
    body: dict[str, Any] | None
    error: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    findings: dict[str, list[str]] = field(default_factory=dict)
    identity: dict[str, str | None] = field(default_factory=dict)
    model: str | None = None
    trace: list[PolicyTrace] = field(default_factory=list)
    duration_ms: float = 0.0
    path: str = ""  # the normalized path the upstream receives ("" when none was given)
    inspected: bool = True  # False: forwarded unread (settings.passthrough, unknown_api: allow)
    state: dict[str, Any] = field(default_factory=dict, repr=False)  # for the output stage
    privacy: Privacy | None = field(default=None, repr=False, compare=False)  # for the log

    @property
    def allowed(self) -> bool:
        return self.action != "deny"

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON shape (``guard check --json``)."""
        return {
            "decision_id": self.decision_id,
            "action": self.action,
            "status": self.status,
            "violations": [v.to_json() for v in self.violations],
            "request": self.body,
            "response": self.error,
            "api": self.api,
            "path": self.path,
            "inspected": self.inspected,
            "model": self.model,
            "findings": self.findings,
            "revision": self.revision,
            "duration_ms": round(self.duration_ms, 3),
        }


@dataclass
class ResponseDecision:
    """The outcome of the output stage: what the caller receives."""

    decision_id: str
    action: Action
    status: int
    body: dict[str, Any] | None
    violations: list[Violation]
    trace: list[PolicyTrace] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
