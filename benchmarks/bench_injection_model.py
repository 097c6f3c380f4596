"""The learned injection signal's cost, against the heuristic scan alone, in the same run.

Rows (baseline = ``Scanner.scan`` with the injection heuristics only; guard = the same scan
with the learned signal on, :mod:`guard.content.model`):

- an ordinary 2 KB English message, and 2 KB of accented text;
- a 20 KB message, to show the cost stays linear in length (best window, not pairs);
- the model's own scoring of a 2 KB folded view, alone (budget: 100 µs).

``python -m benchmarks --only bench_injection_model``.
"""

from __future__ import annotations

from typing import Any

from benchmarks.bench_content import ACCENTED, message
from benchmarks.timing import per_call_us, row


def run(quick: bool = False) -> list[dict[str, Any]]:
    from guard.content.model import score
    from guard.content.normalize import normalize
    from guard.content.scanner import Detectors, Scanner

    iterations = 200 if quick else 2000
    heuristics = Scanner(Detectors(prompt_injection=True, injection_model=False))
    both = Scanner(Detectors(prompt_injection=True, injection_model=True))
    score("warm up: read the model once")
    rows = []
    for label, text, n in (("2 KB", message(2_000), iterations),
                           ("2 KB accented", message(2_000, ACCENTED), iterations),
                           ("20 KB", message(20_000), max(iterations // 10, 20))):
        rows.append(row(f"injection scan + learned signal, {label}", "heuristics only",
                        per_call_us(lambda t=text: heuristics.scan(t), n),
                        "heuristics + model", per_call_us(lambda t=text: both.scan(t), n)))
    folded = normalize(message(2_000)).text
    model_us = per_call_us(lambda: score(folded), iterations)
    rows.append(row("learned signal alone, 2 KB folded view", "heuristics only (2 KB)",
                    rows[0]["baseline_us"], "model.score", model_us))
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick=True)))
