"""Counters for ``guard replay``: per policy, per action, and the difference of two sets.

Replay must run over millions of lines in bounded memory, so nothing here keeps
a decision: each count keeps its first few examples (line and decision id) and
a number. Memory grows with the number of policies, never with the traffic.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from guard.library import Guard
from guard.testing.exchange import Exchange

T = TypeVar("T")

VERDICTS = ("deny", "modify", "flag", "error")
"""The verdicts a replay reports per policy (``deny`` is shown as "block")."""

_RANK = {"skip": 0, "pass": 1, "flag": 2, "modify": 3, "error": 4, "deny": 5}


@dataclass(frozen=True)
class Example:
    """One line that was counted: where it is, its decision, and the policy that decided."""

    line: int
    decision_id: str
    policy: str | None = None


@dataclass
class Examples(Generic[T]):
    """A count and its first ``limit`` examples."""

    limit: int
    count: int = 0
    kept: list[T] = field(default_factory=list)

    def add(self, example: T) -> None:
        self.count += 1
        if len(self.kept) < self.limit:
            self.kept.append(example)


@dataclass
class PolicyTally:
    """What one policy did over the replay."""

    name: str
    type: str
    mode: str
    verdicts: dict[str, Examples[Example]]
    passed: int = 0
    skipped: int = 0  # its `when` was false

    def total(self) -> int:
        return self.passed + self.skipped + sum(e.count for e in self.verdicts.values())


class SetTally:
    """Per-policy and per-action counts of one policy set over the replayed traffic."""

    def __init__(self, guard: Guard, limit: int) -> None:
        self.source = guard.compiled.source
        self.revision = guard.revision
        self.evaluated = 0
        self.actions: Counter[str] = Counter()
        self.policies = {c.meta.name: PolicyTally(
            c.meta.name, c.meta.type, c.meta.mode, {v: Examples(limit) for v in VERDICTS})
            for c in guard.compiled.checks}

    def add(self, line: int, exchange: Exchange) -> None:
        """Count one decision: its action, and each policy's strongest verdict on it."""
        self.evaluated += 1
        self.actions[exchange.action] += 1
        strongest: dict[str, str] = {}
        for trace in exchange.trace:
            known = strongest.get(trace.policy, "skip")
            if _RANK[trace.verdict] >= _RANK[known]:
                strongest[trace.policy] = trace.verdict
        decision_id = exchange.request.decision_id
        for name, verdict in strongest.items():
            self._count(self.policies[name], verdict, Example(line, decision_id))

    def not_reached(self, tally: PolicyTally) -> int:
        """Requests an earlier policy's denial stopped before this one ran."""
        return self.evaluated - tally.total()

    @staticmethod
    def _count(tally: PolicyTally, verdict: str, example: Example) -> None:
        if verdict == "pass":
            tally.passed += 1
        elif verdict == "skip":
            tally.skipped += 1
        else:
            tally.verdicts[verdict].add(example)


@dataclass
class Diff:
    """How the new set's decisions differ from the old set's, line by line."""

    newly_blocked: Examples[Example]
    newly_allowed: Examples[Example]
    blocked_differently: Examples[Example]  # denied by both, by another policy or status

    @classmethod
    def empty(cls, limit: int) -> Diff:
        return cls(Examples(limit), Examples(limit), Examples(limit))

    def add(self, line: int, new: Exchange, old: Exchange) -> None:
        """Compare one line's decisions; examples name the policy that (no longer) blocks."""
        blocks, blocked = new.action == "deny", old.action == "deny"
        new_id = new.request.decision_id
        if blocks and not blocked:
            self.newly_blocked.add(Example(line, new_id, new.blocking_policy()))
        elif blocked and not blocks:
            self.newly_allowed.add(Example(line, new_id, old.blocking_policy()))
        elif blocks and (new.blocking_policy(), new.status) != (old.blocking_policy(),
                                                                 old.status):
            self.blocked_differently.add(Example(line, new_id, new.blocking_policy()))
