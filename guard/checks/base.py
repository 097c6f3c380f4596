"""The runtime shape of one compiled policy.

A check returns an :class:`Outcome` (data: a verdict, edits, findings), never
raises for a policy decision. Raising :class:`~guard.errors.CheckError` (or a
CEL evaluation error) means the check itself failed; the engine then applies
the policy's ``on_error``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from guard.cel import Program
    from guard.engine.context import Context
    from guard.envelope import Edit, Pointer
    from guard.limits.holds import Hold

OutcomeVerdict = Literal["pass", "deny", "modify", "flag"]


@dataclass
class Outcome:
    """What one check concluded."""

    verdict: OutcomeVerdict = "pass"
    message: str = ""
    status: int = 400
    edits: list[Edit] = field(default_factory=list)
    updates: list[tuple[Pointer, Any]] = field(default_factory=list)
    findings: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)
    holds: list[Hold] = field(default_factory=list)  # budget reservations to settle later
    path: str | None = None  # a new request path (a model named in the path was rewritten)


PASS = Outcome()


@dataclass(frozen=True)
class PolicyMeta:
    """What every compiled check knows about its policy."""

    name: str
    type: str
    stages: frozenset[str]
    mode: Literal["enforce", "monitor"]
    on_error: Literal["block", "allow"]
    when: Program | None
    location: str  # "file:line", for messages about the policy itself


class Check:
    """Base of every check: its policy's metadata plus ``evaluate``."""

    early = False
    """True for a check whose slow part (a network call) may begin before its turn: the
    engine then calls :meth:`start` early in the stage and :meth:`evaluate` at the
    policy's position (see :mod:`guard.engine.run`)."""

    def __init__(self, meta: PolicyMeta) -> None:
        self.meta = meta

    def applies(self, api: str) -> bool:
        """Whether the check can act on traffic of ``api`` at all (answers of an API no
        output check applies to need not be read)."""
        return True

    def scan_work(self, texts: Sequence[str]) -> int | None:
        """The work of reading ``texts``, in characters (see ``settings.max_scan_chars``);
        ``None`` for a check that reads no text."""
        return None

    def start(self, ctx: Context) -> None:
        """Begin work ahead of :meth:`evaluate` (only for ``early`` checks); never decides."""

    async def evaluate(self, ctx: Context) -> Outcome:
        """Decide about the traffic in ``ctx`` (input or output stage)."""
        raise NotImplementedError
