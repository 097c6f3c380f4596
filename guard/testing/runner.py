"""Run policy test cases: each against the policy set of its file's directory.

A set is compiled once per directory (compiling PII recognizers is the slow
part); every case then starts from a fresh private in-memory store, so budgets
and rate limits never leak from one case into the next, and nothing real is
ever spent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from guard.library import Guard
from guard.testing.cases import Case, LocatedCase
from guard.testing.compare import differences
from guard.testing.exchange import Exchange, reset_store, run_exchange, use_private_store


@dataclass
class CaseResult:
    """One case's verdict and what guard decided."""

    located: LocatedCase
    differences: list[str]
    exchange: Exchange

    @property
    def ok(self) -> bool:
        return not self.differences


@dataclass
class Coverage:
    """Which policies of one set the cases exercised (a policy's `when` held) and fired."""

    directory: Path
    policies: list[str]
    exercised: set[str] = field(default_factory=set)
    fired: set[str] = field(default_factory=set)

    @property
    def unexercised(self) -> list[str]:
        return [p for p in self.policies if p not in self.exercised]

    @property
    def never_fired(self) -> list[str]:
        return [p for p in self.policies if p in self.exercised and p not in self.fired]

    def add(self, exchange: Exchange) -> None:
        self.exercised.update(t.policy for t in exchange.trace if t.matched)
        self.fired.update(v.policy for v in exchange.violations)


@dataclass
class SuiteResult:
    """Every case's result, coverage per policy set, and how long it all took."""

    results: list[CaseResult] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return sum(not r.ok for r in self.results)

    @property
    def passed(self) -> int:
        return len(self.results) - self.failed


async def run_tests(cases: list[LocatedCase]) -> SuiteResult:
    """Run ``cases`` directory by directory; a set that does not compile raises ``PolicyError``."""
    started = time.perf_counter()
    run = SuiteResult(files=len({c.file for c in cases}))
    for directory, group in _by_directory(cases).items():
        guard = Guard.from_path(directory)
        use_private_store(guard)
        coverage = Coverage(directory, [c.meta.name for c in guard.compiled.checks])
        try:
            for located in group:
                result = await run_case(guard, located)
                coverage.add(result.exchange)
                run.results.append(result)
        finally:
            await guard.aclose()
        run.coverage.append(coverage)
    run.seconds = time.perf_counter() - started
    return run


async def run_case(guard: Guard, located: LocatedCase) -> CaseResult:
    """One case in a fresh store: its repeats first, then the request the expectations judge."""
    case = located.case
    await reset_store(guard)
    for _ in range(case.repeat - 1):
        await _send(guard, case)
    exchange = await _send(guard, case)
    return CaseResult(located, differences(case.expect, exchange), exchange)


async def _send(guard: Guard, case: Case) -> Exchange:
    return await run_exchange(guard, case.request, path=case.path, headers=case.headers,
                              response=case.response)


def _by_directory(cases: list[LocatedCase]) -> dict[Path, list[LocatedCase]]:
    groups: dict[Path, list[LocatedCase]] = {}
    for located in cases:
        groups.setdefault(located.file.parent, []).append(located)
    return groups
