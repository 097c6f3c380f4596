"""``guard check --explain``: what each policy's CEL conditions read, and what they returned.

The engine's trace says what a policy did; it does not keep what its ``when``
(or a rule's ``deny_if``, a route's ``set_model``) saw, because recording that
costs time on every live request. So ``--explain`` instruments the one Guard it
builds: each of those programs is wrapped to record, at the moment it runs,
its source, its result, and the values of the fields it reads, evaluated on the
same bindings. Raw text never gets out this way: message text, bodies and
secret-looking headers are shown as their size or as hidden.
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from guard.cel import Bindings, Program
from guard.engine.run import LOOKAHEAD
from guard.errors import GuardError
from guard.library import Guard

_FIELD = re.compile(r"\brequest\.body(?:\.[A-Za-z_]\w*)+"  # deepest first: alternatives
                    r"|\brequest\.headers\[\s*\"[^\"\\]*\"\s*\]"  # are tried in order
                    r"|\b(?:request|identity|variables|findings|response)\.[A-Za-z_]\w*"
                    r"|\bnow\b")
_SHOWN = frozenset({"request.api", "request.path", "request.method", "request.model",
                    "request.provider", "identity.key", "identity.team", "identity.project",
                    "response.finish_reason", "identity.user"})
_SECRET_HEADER = re.compile(r"auth|cookie|key|token|secret|passw|session", re.I)
_ROLES = ("when", "deny_if", "set_model")


@dataclass(frozen=True)
class Reading:
    """One run of one condition: its source, result and the values it read."""

    policy: str
    role: str
    source: str
    result: str
    values: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "result": self.result, "values": self.values}


class _Recorded:
    """A program that records a :class:`Reading` each time it runs, then answers as before."""

    def __init__(self, inner: Program, policy: str, role: str,
                 probes: list[tuple[str, Program]], log: list[Reading]) -> None:
        self.inner, self.policy, self.role = inner, policy, role
        self.source = inner.source
        self.probes, self.log = probes, log

    def evaluate(self, bindings: Bindings) -> object:
        if LOOKAHEAD.get():  # a judge's early look at its `when`, not the decision: not logged
            return self.inner.evaluate(bindings)
        values = {path: _probe(path, probe, bindings) for path, probe in self.probes}
        try:
            result = self.inner.evaluate(bindings)
        except GuardError as exc:
            self.log.append(Reading(self.policy, self.role, self.source, f"error: {exc}", values))
            raise
        self.log.append(Reading(self.policy, self.role, self.source, describe("", result),
                                values))
        return result


def instrument(guard: Guard) -> list[Reading]:
    """Wrap every ``when``, ``deny_if`` and ``set_model`` of ``guard``; return their log."""
    log: list[Reading] = []
    for check in guard.compiled.checks:
        name = check.meta.name
        if check.meta.when is not None:
            wrapped = _wrap(guard, check.meta.when, name, "when", log)
            check.meta = replace(check.meta, when=wrapped)
        for role in _ROLES[1:]:
            program = getattr(check, role, None)
            if program is not None:
                setattr(check, role, _wrap(guard, program, name, role, log))
    return log


def attach(trace: list[dict[str, Any]], log: list[Reading]) -> None:
    """Give each trace entry (``conditions``) the readings of its own evaluation.

    Readings are logged in the order policies ran, like the trace; an entry takes
    the next readings of its policy until a role repeats (the policy's next run).
    """
    queue = deque(log)
    for entry in trace:
        readings: dict[str, Any] = {}
        while queue and queue[0].policy == entry["policy"] and queue[0].role not in readings:
            reading = queue.popleft()
            readings[reading.role] = reading.to_json()
        entry["conditions"] = readings


def describe(path: str, value: object) -> str:
    """A value as ``--explain`` may show it: scalars and names as they are, text by size."""
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return _text(path, value)
    if isinstance(value, list):
        if path.startswith("findings.") or path == "":
            return json.dumps(value) if all(isinstance(v, str) for v in value) \
                else f"<list of {len(value)}>"
        return f"<list of {len(value)}>"
    if isinstance(value, dict):
        return f"<map of {len(value)}>"
    return f"<{type(value).__name__}>"


def _text(path: str, value: str) -> str:
    header = re.fullmatch(r'request\.headers\[\s*"(.*)"\s*\]', path)
    if header:
        return "<hidden>" if _SECRET_HEADER.search(header.group(1)) else json.dumps(value)
    if path in _SHOWN or path.startswith("findings.") or path == "":
        return json.dumps(value[:80])
    return f"<text of {len(value)} chars>"


def _wrap(guard: Guard, program: Program, policy: str, role: str,
          log: list[Reading]) -> _Recorded:
    probes = []
    for path in dict.fromkeys(_FIELD.findall(program.source)):
        try:
            probes.append((path, guard.compiled.cel.compile(path)))
        except GuardError:
            continue  # not a field we can read on its own: shown without it
    return _Recorded(program, policy, role, probes, log)


def _probe(path: str, program: Program, bindings: Bindings) -> str:
    try:
        return describe(path, program.evaluate(bindings))
    except GuardError:
        return "(absent)"
