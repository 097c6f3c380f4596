"""The learned injection signal's cost, against the heuristic scan alone, in the same run.

Rows (baseline = ``Scanner.scan`` with the injection heuristics only; guard = the same scan
with the learned signal on, :mod:`guard.content.model`):

- an ordinary 2 KB English message, and 2 KB of accented text;
- a 20 KB message, to show the cost stays linear in length (best window, not pairs);
- the model's own scoring of a 2 KB folded view, alone (budget: 100 µs); the benchmark
  message repeats one sentence, which the model's exact bound skips whole, so the same is
  timed on 2 KB of varied prose (:data:`VARIED`, no sentence twice), read window by window.

``python -m benchmarks --only bench_injection_model``.
"""

from __future__ import annotations

from typing import Any

from benchmarks.bench_content import ACCENTED, message
from benchmarks.timing import per_call_us, row

VARIED = (
    "Hi Dana, thanks for getting back to me so quickly about the delayed shipment. The "
    "parcel left our warehouse in Leeds on Tuesday, but the courier scanned it at the "
    "wrong depot and it sat there over the weekend. I have asked them to reroute it and "
    "they promised delivery by Thursday afternoon. If it does not arrive by then, reply "
    "to this email and we will send a replacement at no cost. To set up the new printer, "
    "unpack the tray first, remove the orange tape from the cartridge slot, and plug the "
    "power cable in before connecting it to the network. The display should show a green "
    "light within a minute; a blinking amber light means the paper guide is not seated "
    "properly. Our accounts team closed the March books yesterday. Revenue grew slightly "
    "compared with February, mostly because two large customers renewed early, while "
    "travel costs dropped after the spring conference was moved online. Next quarter we "
    "expect hiring to slow down and the office lease to be renegotiated. Meeting notes: "
    "Priya will draft the onboarding guide, Tom reviews the test plan by Friday, and the "
    "release is pushed back one week so that the migration scripts can be checked against "
    "a copy of the production database. Lunch on the fourth floor is cancelled because "
    "of the kitchen repairs. The recipe calls for two cups of flour, a pinch of salt, one "
    "egg and enough milk to make a smooth batter; let it rest for half an hour before you "
    "heat the pan. In the garden, the tomatoes need water every other day during the "
    "summer, and the roses should be pruned in late winter. The library extends its "
    "opening hours during exam season and offers quiet rooms that students can book "
    "online. Please remember that the parking garage will be closed for cleaning on "
    "Saturday morning, so park on the street or take the bus. Kind regards, Sam from "
    "customer support, who is happy to help with anything else you need this week. P.S. "
    "The invoice for April is attached as a PDF; the total includes the delivery fee, "
    "and the warranty card is in the box under the foam insert.")


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
    varied = normalize(VARIED[:2_000]).text
    varied_us = per_call_us(lambda: score(varied), iterations)
    rows.append(row("learned signal alone, 2 KB varied prose", "heuristics only (2 KB)",
                    rows[0]["baseline_us"], "model.score", varied_us))
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick=True)))
