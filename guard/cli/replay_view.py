"""The text report of ``guard replay``: a rich table per policy, then the difference.

Counts with ``--against`` carry their change from the old set (``12 (+3)``), so
one table says both what the new set does and what changed. Examples are line
numbers with the first characters of the decision id (``--json`` has them whole).
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from guard.cli.replay import LABELS
from guard.testing.replay import ReplayReport
from guard.testing.tally import VERDICTS, Example, Examples, PolicyTally, SetTally

WIDE = 160  # not a terminal: do not wrap the table at rich's default 80 columns


def print_report(report: ReplayReport, console: Console | None = None) -> None:
    """Headline, per-policy table, decisions, difference and malformed lines."""
    console = console or Console(width=None if sys.stdout.isatty() else WIDE,
                                 highlight=False, markup=False)
    console.print(headline(report))
    console.print(policy_table(report.new, report.old))
    console.print(actions_line("decisions", report.new, report.old))
    if report.diff is not None:
        console.print(diff_line("newly blocked", report.diff.newly_blocked, "by"))
        console.print(diff_line("newly allowed", report.diff.newly_allowed, "was blocked by"))
        console.print(diff_line("blocked differently", report.diff.blocked_differently,
                                "now by"))
    if report.malformed.count:
        shown = "; ".join(f"line {m.line}: {m.error}" for m in report.malformed.kept)
        console.print(f"malformed lines: {report.malformed.count} ({shown})")


def headline(report: ReplayReport) -> str:
    evaluated = report.new.evaluated
    rate = evaluated / report.seconds if report.seconds else 0.0
    against = f" against {report.old.source} ({report.old.revision})" if report.old else ""
    return (f"replayed {report.file}: {report.lines:,} lines, {evaluated:,} requests "
            f"evaluated, {report.malformed.count:,} malformed, {report.seconds:.1f} s "
            f"({rate:,.0f} requests/s)\npolicies {report.new.source} "
            f"({report.new.revision}){against}")


def policy_table(new: SetTally, old: SetTally | None) -> Table:
    table = Table(title="what each policy would do", title_justify="left")
    for name in ("policy", "type", "mode"):
        table.add_column(name)
    for verdict in VERDICTS:
        table.add_column(LABELS[verdict], justify="right")
    table.add_column("not reached", justify="right")
    table.add_column("examples: line (decision)")
    for policy in new.policies.values():
        before = old.policies.get(policy.name) if old else None
        mode = policy.mode + (" (new)" if old is not None and before is None else "")
        counts = [count_cell(policy, before, v, old is not None) for v in VERDICTS]
        table.add_row(policy.name, policy.type, mode, *counts,
                      f"{new.not_reached(policy):,}", example_cell(policy))
    for gone in (p for p in (old.policies.values() if old else ()) if p.name not in
                 new.policies):
        table.add_row(gone.name, gone.type, "(removed)", *("-" for _ in VERDICTS), "-", "")
    return table


def count_cell(policy: PolicyTally, before: PolicyTally | None, verdict: str,
               comparing: bool) -> str:
    count = policy.verdicts[verdict].count
    if not comparing:
        return f"{count:,}"
    change = count - (before.verdicts[verdict].count if before else 0)
    return f"{count:,} ({change:+,})" if change else f"{count:,}"


def example_cell(policy: PolicyTally) -> str:
    parts = []
    for verdict in VERDICTS:
        kept = policy.verdicts[verdict].kept
        if kept:
            parts.append(f"{LABELS[verdict]} " + ", ".join(_example(e) for e in kept))
    return "; ".join(parts)


def actions_line(label: str, new: SetTally, old: SetTally | None) -> str:
    def counts(tally: SetTally) -> str:
        return ", ".join(f"{tally.actions.get(a, 0):,} {a}" for a in ("allow", "modify", "deny"))

    return f"{label}: {counts(new)}" + (f" (old set: {counts(old)})" if old else "")


def diff_line(label: str, examples: Examples[Example], relation: str) -> str:
    shown = ", ".join(f"line {e.line} {relation} {e.policy or '?'} ({e.decision_id[:8]})"
                      for e in examples.kept)
    return f"{label}: {examples.count:,}" + (f" — {shown}" if shown else "")


def _example(example: Example) -> str:
    return f"{example.line} ({example.decision_id[:8]})"
