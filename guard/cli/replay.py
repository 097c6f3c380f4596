"""``guard replay -p POLICIES TRAFFIC.jsonl [--against OLD] [--json] [--examples N]``.

A progress bar on a terminal (on stderr, gone when done), then a table per
policy and the difference with ``--against``; ``--json`` prints the same
figures for machines. Exit 0 when the replay ran (whatever it found), 2 when
the policies or the file cannot be read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from guard.errors import GuardError
from guard.library import Guard
from guard.testing.replay import Progress, ReplayReport, replay_file
from guard.testing.tally import VERDICTS, Example, Examples, PolicyTally, SetTally

LABELS = {"deny": "block", "modify": "modify", "flag": "flag", "error": "error"}


def replay(args: argparse.Namespace) -> int:
    """Compile the set(s), stream the file through them, print the report."""
    if args.examples < 0:
        raise GuardError("--examples must be 0 or more")
    guard = Guard.from_path(args.policies)
    old = Guard.from_path(args.against) if args.against else None
    with progress_bar(_size(args.traffic), enabled=sys.stderr.isatty()) as progress:
        report = asyncio.run(replay_file(args.traffic, guard, old, examples=args.examples,
                                         progress=progress))
    if args.json:
        print(json.dumps(report_json(report), indent=2))
    else:
        from guard.cli.replay_view import print_report

        print_report(report)
    return 0


@contextmanager
def progress_bar(total: int, *, enabled: bool) -> Iterator[Progress | None]:
    """A rich progress bar over the file's bytes, or nothing when stderr is not a terminal."""
    if not enabled:
        yield None
        return
    from rich import progress as rp
    from rich.console import Console

    columns = (rp.TextColumn("replaying"), rp.BarColumn(), rp.TaskProgressColumn(),
               rp.TimeElapsedColumn(), rp.TextColumn("eta"), rp.TimeRemainingColumn())
    with rp.Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("replay", total=total or None)
        yield lambda done: bar.update(task, completed=done)


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError as exc:
        raise GuardError(f"cannot read {path}: {exc.strerror}") from exc


def report_json(report: ReplayReport) -> dict[str, Any]:
    """The report as plain data (``--json``): every count, with its examples."""
    evaluated = report.new.evaluated
    document: dict[str, Any] = {
        "file": report.file, "lines": report.lines, "evaluated": evaluated,
        "seconds": round(report.seconds, 3),
        "requests_per_second": round(evaluated / report.seconds, 1) if report.seconds else 0,
        "malformed": {"count": report.malformed.count,
                      "examples": [{"line": m.line, "error": m.error}
                                   for m in report.malformed.kept]},
        "policies": set_json(report.new),
    }
    if report.old is not None and report.diff is not None:
        document["against"] = set_json(report.old)
        document["diff"] = {name: examples_json(getattr(report.diff, name))
                            for name in ("newly_blocked", "newly_allowed",
                                         "blocked_differently")}
    return document


def set_json(tally: SetTally) -> dict[str, Any]:
    return {"source": tally.source, "revision": tally.revision, "evaluated": tally.evaluated,
            "actions": {a: tally.actions.get(a, 0) for a in ("allow", "modify", "deny")},
            "per_policy": [policy_json(tally, p) for p in tally.policies.values()]}


def policy_json(tally: SetTally, policy: PolicyTally) -> dict[str, Any]:
    counts = {LABELS[v]: policy.verdicts[v].count for v in VERDICTS}
    return {"policy": policy.name, "type": policy.type, "mode": policy.mode, **counts,
            "pass": policy.passed, "skipped": policy.skipped,
            "not_reached": tally.not_reached(policy),
            "examples": {LABELS[v]: [_example_json(e) for e in policy.verdicts[v].kept]
                         for v in VERDICTS if policy.verdicts[v].kept}}


def examples_json(examples: Examples[Example]) -> dict[str, Any]:
    return {"count": examples.count, "examples": [_example_json(e) for e in examples.kept]}


def _example_json(example: Example) -> dict[str, Any]:
    document: dict[str, Any] = {"line": example.line, "decision_id": example.decision_id}
    if example.policy is not None:
        document["policy"] = example.policy
    return document
