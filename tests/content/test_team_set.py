"""Floors on the team-written injection set (benchmarks/data/injection_team.yaml).

Written alongside the heuristics, so these floors only catch a regression: a rule change
that loses a class the set holds, or starts blocking its manuals, mail, code and logs.
"""

from __future__ import annotations

from benchmarks.team_set import team_rows
from guard.content.scanner import INJECTION, Detectors, Scanner

SCANNER = Scanner(Detectors(prompt_injection=True))


def _shares() -> dict[tuple[int, bool], float]:
    counts: dict[tuple[int, bool], list[int]] = {}
    for _, text, label in team_rows():
        for tool in (False, True):
            flagged, total = counts.setdefault((label, tool), [0, 0])
            counts[(label, tool)] = [flagged + (INJECTION in SCANNER.scan(text, tool).detectors),
                                     total + 1]
    return {key: flagged / total for key, (flagged, total) in counts.items()}


def test_team_set_floors() -> None:
    shares = _shares()
    assert shares[(1, False)] >= 0.88 and shares[(1, True)] >= 0.95
    assert shares[(0, False)] <= 0.03 and shares[(0, True)] <= 0.04
