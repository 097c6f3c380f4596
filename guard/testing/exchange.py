"""One request (and optionally its answer) through a :class:`~guard.library.Guard`, offline.

``guard check``, ``guard test`` and ``guard replay`` all evaluate traffic that
never reaches a model; this is the one place that says how: the request stage,
then the output stage when an answer is given (the call "happened", so budgets
settle from its ``usage``), else the request's budget holds are released (the call
did not happen). The merged view (action, status, violations, trace) is the one
``guard check`` prints.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from guard.dialects import endpoint, normalize, resolve
from guard.engine.decision import Action, Decision, PolicyTrace, ResponseDecision, Violation
from guard.library import Body, Guard

PRIVATE_STORE = "memory://"


@dataclass
class Exchange:
    """What guard decided about one request and, when given, its answer."""

    request: Decision
    response: ResponseDecision | None = None

    @property
    def action(self) -> Action:
        if self.response is not None and self.response.action == "deny":
            return "deny"
        return self.request.action

    @property
    def status(self) -> int:
        if self.response is not None and self.response.action == "deny":
            return self.response.status
        return self.request.status

    @property
    def violations(self) -> list[Violation]:
        later = self.response.violations if self.response is not None else []
        return [*self.request.violations, *later]

    @property
    def trace(self) -> list[PolicyTrace]:
        later = self.response.trace if self.response is not None else []
        return [*self.request.trace, *later]

    @property
    def answer(self) -> Any:
        """What the caller gets: the guarded answer, or the error body of a denial."""
        return self.response.body if self.response is not None else self.request.error

    def blocking_policy(self) -> str | None:
        """The policy whose enforced denial (or fail-closed error) stopped the traffic."""
        if self.action != "deny":
            return None
        for violation in reversed(self.violations):
            if violation.enforced and violation.action in ("deny", "error"):
                return violation.policy
        return None

    def to_json(self) -> dict[str, Any]:
        """``guard check``'s JSON: the decision, with the output stage folded in."""
        result: dict[str, Any] = self.request.to_json()
        result["trace"] = [t.to_json() for t in self.trace]
        result["violations"] = [v.to_json() for v in self.violations]
        if self.response is not None:
            result["response"] = self.answer
        result["action"], result["status"] = self.action, self.status
        return result


async def run_exchange(guard: Guard, body: Body, *, path: str = "", method: str = "POST",
                       headers: Mapping[str, str] | None = None,
                       response: Body | None = None,
                       now: datetime | None = None) -> Exchange:
    """Evaluate ``body`` (and ``response``, unless the request is denied) with ``guard``."""
    path = path or inferred_path(body)
    decision = await guard.check_request(body, path=path, method=method, headers=headers,
                                         now=now)
    if response is None:
        await guard.release(decision, now=now)  # nothing will settle it: hold nothing
        return Exchange(decision)
    if decision.action == "deny":
        return Exchange(decision)
    return Exchange(decision, await guard.check_response(decision, response, now=now))


def inferred_path(body: Body) -> str:
    """The path a body's shape implies (``/v1/messages`` for Anthropic's), or ``""`` (also
    for an API whose path names the model: the body alone cannot say which)."""
    data: Any = body
    if isinstance(body, bytes | str):
        try:
            data = json.loads(body)
        except ValueError:
            return ""
    if not isinstance(data, Mapping):
        return ""
    path = resolve(None, data).dialect.default_path
    named = endpoint(normalize(path))
    return "" if named is None or named.model is not None else path


def use_private_store(guard: Guard) -> None:
    """Count budgets and rate limits in a store of this process only, whatever the set says.

    Trying policies must never spend a real budget. The set's store is opened
    lazily, so pointing it elsewhere before first use is enough; :func:`reset_store`
    then gives a fresh, empty one.
    """
    guard.compiled.store.url = PRIVATE_STORE


async def reset_store(guard: Guard) -> None:
    """Forget every count: the next budget or rate limit opens a new private store."""
    await guard.compiled.store.close()
