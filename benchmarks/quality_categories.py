"""Every detector per category, with false-positive rates, on the public evaluation sets.

    python -m benchmarks.quality_categories [EVALSETS_DIR]

The sets label more than a source: CyberSecEval's prompt injections by technique
(``direct/persuasion``, ``indirect/token_smuggling``...), NotInject's benign prompts by kind
(common queries, technique queries, multilingual, virtual creation), Nosey Parker's secrets
by rule (``np.aws.1``: grouped here by provider). A detector tuned on a few big categories can
hide a category it misses entirely, so each is reported on its own:

- injection: the share flagged per category (recall for attacks, false-positive rate for
  benign text), by the heuristics alone and with the learned signal (the default), each as a
  user message and as a tool result (the same evidence, a lower threshold);
- secrets: recall per provider on the labelled secrets and the false-positive rate per
  provider on the clean negatives, for ``secrets`` and for ``secrets`` + ``identifiers``.

PII is reported per entity, with the look-alikes each entity must reject, by
:mod:`benchmarks.quality_pii`. These public sets were used while tuning guard's detectors
(they are not a source of rules); held-out figures come from sets the team never sees.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path
from typing import Any

from benchmarks.quality_content import DEFAULT_DIR, _rows
from guard.content.scanner import INJECTION, Detectors, Scanner

ROLES = (False, True)  # a user message, a tool result


def _category(row: dict[str, Any]) -> str:
    category = str(row.get("category") or "")
    if category.startswith("roleplay_benign"):
        category = "roleplay"  # one role per row: their share is reported together
    return f"{row['source']}/{category}" if category else str(row["source"])


def injection_by_category(root: Path) -> dict[str, dict[str, Any]]:
    """Per category: rows, label, and the share flagged by each scanner in each role."""
    scanners = {"heuristics": Scanner(Detectors(prompt_injection=True)),
                "with model": Scanner(Detectors(prompt_injection=True, injection_model=True))}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    labels: dict[str, int] = {}
    for row in _rows(root / "injection" / "injection_eval.jsonl"):
        key = _category(row)
        labels[key] = row["label"]
        counts[key]["rows"] += 1
        for name, scanner in scanners.items():
            for tool in ROLES:
                found = INJECTION in scanner.scan(row["text"], tool_result=tool).detectors
                counts[key][f"{name}, {'tool' if tool else 'user'}"] += found
    return {key: {"rows": c["rows"], "label": labels[key],
                  **{k: v / c["rows"] for k, v in c.items() if k != "rows"}}
            for key, c in sorted(counts.items())}


def secrets_by_provider(root: Path) -> dict[str, dict[str, Any]]:
    """Per provider of the Nosey Parker rules: positives found, clean negatives flagged."""
    scanners = {"secrets": Scanner(Detectors(secrets=True)),
                "+ identifiers": Scanner(Detectors(secrets=True, identifiers=True))}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in _rows(root / "secrets" / "noseyparker_examples.jsonl"):
        if row["label"] == 0 and not row.get("clean_negative"):
            continue  # a negative that is not known to be clean measures nothing
        kind = "positives" if row["label"] == 1 else "negatives"
        key = (str(row["rule_id"]).split(".")[1], kind)
        counts[f"{key[0]} {kind}"]["rows"] += 1
        for name, scanner in scanners.items():
            counts[f"{key[0]} {kind}"][name] += bool(scanner.scan(row["text"]).hits)
    return {key: {"rows": c["rows"], "label": int(key.endswith("positives")),
                  **{k: v / c["rows"] for k, v in c.items() if k != "rows"}}
            for key, c in sorted(counts.items())}


def report(root: Path) -> list[str]:
    """Readable lines: one per category, recall or FP rate, per scanner and role."""
    lines = ["injection by category        measure   heuristics user/tool   with model "
             "user/tool  (the default)"]
    for key, q in injection_by_category(root).items():
        measure = "recall" if q["label"] == 1 else "FP rate"
        lines.append(f"  {key:<42.42} {measure:<8} {q['heuristics, user']:6.1%} "
                     f"{q['heuristics, tool']:6.1%}   {q['with model, user']:6.1%} "
                     f"{q['with model, tool']:6.1%}  (n={q['rows']})")
    lines.append("secrets by provider          measure   secrets  + identifiers")
    for key, q in secrets_by_provider(root).items():
        measure = "recall" if q["label"] == 1 else "FP rate"
        lines.append(f"  {key:<42.42} {measure:<8} {q['secrets']:6.1%}  "
                     f"{q['+ identifiers']:6.1%}  (n={q['rows']})")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality_categories")
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_DIR)
    print("\n".join(report(parser.parse_args().root)))


if __name__ == "__main__":
    main()
