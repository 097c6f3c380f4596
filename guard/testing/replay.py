"""``guard replay``: what a policy set would have done to recorded traffic.

Design: every line is evaluated exactly as the set would decide it live (its
policies' own modes, edits applied, the first enforced denial ending the
request), offline and in private in-memory stores, so nothing is forwarded,
spent or enforced anywhere. The report is computed from each decision's trace:
per policy, the requests it would block, modify, flag or fail on. Forcing every
policy into monitor mode was the alternative; it was rejected because monitor
mode applies no edits, so later policies would judge a body that would never be
forwarded (an alias not resolved, a secret not redacted) and the counts would
describe a set nobody runs. The price is that a policy is not evaluated after an
earlier denial: those requests are reported as "not reached".

Memory is bounded: the file is read line by line and only counters and the
first few examples are kept (:mod:`guard.testing.tally`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from guard.errors import GuardError
from guard.library import Guard
from guard.testing.exchange import Exchange, run_exchange, use_private_store
from guard.testing.tally import Diff, Examples, SetTally
from guard.testing.traffic import Malformed, Record, parse_line

Progress = Callable[[int], None]
"""Called now and then with the number of bytes read so far."""

PROGRESS_EVERY = 512


@dataclass
class ReplayReport:
    """Everything a replay found: counts per set and policy, the difference, bad lines."""

    file: str
    new: SetTally
    old: SetTally | None
    diff: Diff | None
    malformed: Examples[Malformed]
    lines: int = 0
    seconds: float = 0.0


async def replay_file(path: str | Path, guard: Guard, old: Guard | None = None, *,
                      examples: int = 3, progress: Progress | None = None) -> ReplayReport:
    """Replay the JSON-lines file at ``path`` through ``guard`` (and ``old``, to compare)."""
    guards = [g for g in (guard, old) if g is not None]
    for each in guards:
        use_private_store(each)
    try:
        with _open(path) as handle:
            return await _replay(handle, str(path), guard, old, examples, progress)
    finally:
        for each in guards:
            await each.aclose()


async def _replay(handle: BinaryIO, name: str, guard: Guard, old: Guard | None,
                  examples: int, progress: Progress | None) -> ReplayReport:
    started = time.perf_counter()
    report = ReplayReport(name, SetTally(guard, examples),
                          SetTally(old, examples) if old else None,
                          Diff.empty(examples) if old else None, Examples(examples))
    read = 0
    for number, raw in enumerate(handle, 1):
        read += len(raw)
        if progress is not None and number % PROGRESS_EVERY == 0:
            progress(read)
        line = raw.strip()
        if line:
            report.lines += 1
            await _replay_line(report, parse_line(number, line), guard, old)
    if progress is not None:
        progress(read)
    report.seconds = time.perf_counter() - started
    return report


async def _replay_line(report: ReplayReport, item: Record | Malformed, guard: Guard,
                       old: Guard | None) -> None:
    if isinstance(item, Malformed):
        report.malformed.add(item)
        return
    try:
        new = await _evaluate(guard, item)
        before = await _evaluate(old, item) if old is not None else None
    except Exception as exc:  # one odd line must not end a replay of millions
        report.malformed.add(Malformed(item.line, f"could not be evaluated "
                                                  f"({type(exc).__name__})"))
        return
    report.new.add(item.line, new)
    if before is not None and report.old is not None and report.diff is not None:
        report.old.add(item.line, before)
        report.diff.add(item.line, new, before)


async def _evaluate(guard: Guard, record: Record) -> Exchange:
    return await run_exchange(guard, record.body, path=record.path, headers=record.headers,
                              response=record.response, now=record.time)


def _open(path: str | Path) -> BinaryIO:
    try:
        return open(path, "rb")  # closed by the caller's `with`
    except OSError as exc:
        raise GuardError(f"cannot read {path}: {exc.strerror}") from exc
