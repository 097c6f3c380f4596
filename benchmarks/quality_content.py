"""Detection quality of the content detectors on evaluation sets nobody on the team wrote.

    python -m benchmarks.quality_content [EVALSETS_DIR] [--misses N]

EVALSETS_DIR defaults to ``../shared/evalsets`` beside the repository. It reports
prompt-injection recall per attack source and false-positive rate per benign source
(``injection/injection_eval.jsonl``; ``--model`` adds the learned signal,
``detect.injection_model``), over-blocking on XSTest's safe prompts
(``injection/xstest.jsonl``; XSTest: Röttger et al., CC-BY-4.0), and secrets recall
with the false-positive rate on clean negatives (``secrets/noseyparker_examples.jsonl``),
also without the rules that label identifiers (:data:`IDENTIFIER_RULES`), and with the
opt-in ``identifiers`` detector on beside ``secrets``. The sets measure guard; they are
not a source of rules.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from guard.content.scanner import INJECTION, Detectors, Scanner

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "evalsets"

IDENTIFIER_RULES = frozenset({
    "np.arn.1", "np.s3.1", "np.s3.2", "np.gcs.1", "np.gcs.2", "np.aws.3", "np.google.1",
    "np.github.5", "np.linkedin.1", "np.twitter.1", "np.reactapp.1", "np.shopify.1", "np.age.1",
})
"""Nosey Parker rules whose matches are identifiers, not secrets (resource, bucket and domain
names, account and client ids, usernames, an age public key). ``secrets`` leaves them alone
by design, so its recall is reported with and without them; ``identifiers`` is the opt-in
detector for them."""


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def injection_quality(root: Path, model: bool = False) -> dict[str, dict[str, Any]]:
    """Per source: rows, label, and the share flagged (recall for attacks, FP rate for benign).

    ``model=True`` adds the learned signal (``detect.injection_model``) to the heuristics."""
    scanner = Scanner(Detectors(prompt_injection=True, injection_model=model))
    flagged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    misses: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, int] = {}
    for row in _rows(root / "injection" / "injection_eval.jsonl"):
        source = row["source"]
        if source == "cyberseceval_pi":
            source += "/" + row["category"].split("/")[0]
        labels[source] = row["label"]
        hit = INJECTION in scanner.scan(row["text"]).detectors
        flagged[source][0] += hit
        flagged[source][1] += 1
        if hit != bool(row["label"]):
            misses[source].append(row["text"])
    return {s: {"rows": n, "label": labels[s], "flagged": f / n, "misses": misses[s]}
            for s, (f, n) in sorted(flagged.items())}


def xstest_quality(root: Path, model: bool = False) -> dict[str, Any]:
    """Share of XSTest's safe prompts that the injection detector would block."""
    scanner = Scanner(Detectors(prompt_injection=True, injection_model=model))
    safe = [r["text"] for r in _rows(root / "injection" / "xstest.jsonl") if r["label"] == 0]
    blocked = [t for t in safe if INJECTION in scanner.scan(t).detectors]
    return {"rows": len(safe), "flagged": len(blocked) / len(safe), "misses": blocked}


def secrets_quality(root: Path, identifiers: bool = False) -> dict[str, Any]:
    """Recall on labelled secrets, false-positive rate on the clean negatives.

    With ``identifiers`` the ``identifiers`` detector runs beside ``secrets``.
    """
    scanner = Scanner(Detectors(secrets=True, identifiers=identifiers))
    positives: list[tuple[str, bool]] = []
    negatives: list[tuple[str, bool]] = []
    secrets: list[bool] = []
    for row in _rows(root / "secrets" / "noseyparker_examples.jsonl"):
        found = bool(scanner.scan(row["text"]).hits)
        if row["label"] == 1:
            positives.append((f"{row['rule_name']}: {row['text'][:160]!r}", found))
            if row["rule_id"] not in IDENTIFIER_RULES:
                secrets.append(found)
        elif row.get("clean_negative"):
            negatives.append((f"{row['rule_name']}: {row['text'][:160]!r}", found))
    return {
        "positives": len(positives), "recall": sum(f for _, f in positives) / len(positives),
        "secret_positives": len(secrets), "secret_recall": sum(secrets) / len(secrets),
        "negatives": len(negatives), "fp_rate": sum(f for _, f in negatives) / len(negatives),
        "missed": [t for t, f in positives if not f],
        "false_positives": [t for t, f in negatives if f],
    }


def report(root: Path, show_misses: int = 0, model: bool = False) -> list[str]:
    """Readable lines: one per source and measure."""
    lines = []
    for source, q in injection_quality(root, model).items():
        measure = "recall" if q["label"] == 1 else "FP rate"
        lines.append(f"injection {source:<28} {measure:<8} {q['flagged']:6.1%}  (n={q['rows']})")
        lines += [f"    miss: {t[:200]!r}" for t in q["misses"][:show_misses]]
    xs = xstest_quality(root, model)
    lines.append(f"injection {'xstest (safe prompts)':<28} {'FP rate':<8} {xs['flagged']:6.1%}  "
                 f"(n={xs['rows']})")
    lines += [f"    fp: {t[:200]!r}" for t in xs["misses"][:show_misses]]
    sq = secrets_quality(root)
    lines.append(f"secrets   {'noseyparker positives':<28} {'recall':<8} {sq['recall']:6.1%}  "
                 f"(n={sq['positives']})")
    lines.append(f"secrets   {'  without identifier rules':<28} {'recall':<8} "
                 f"{sq['secret_recall']:6.1%}  (n={sq['secret_positives']})")
    lines.append(f"secrets   {'noseyparker clean negatives':<28} {'FP rate':<8} "
                 f"{sq['fp_rate']:6.1%}  (n={sq['negatives']})")
    lines += [f"    missed {t}" for t in sq["missed"][:show_misses]]
    lines += [f"    fp {t}" for t in sq["false_positives"][:show_misses]]
    iq = secrets_quality(root, identifiers=True)
    lines.append(f"secrets   {'  + identifiers, positives':<28} {'recall':<8} "
                 f"{iq['recall']:6.1%}  (n={iq['positives']})")
    lines.append(f"secrets   {'  + identifiers, negatives':<28} {'FP rate':<8} "
                 f"{iq['fp_rate']:6.1%}  (n={iq['negatives']})")
    lines += [f"    missed (+identifiers) {t}" for t in iq["missed"][:show_misses]]
    lines += [f"    fp (+identifiers) {t}" for t in iq["false_positives"][:show_misses]
              if t not in sq["false_positives"]]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality_content")
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--misses", type=int, default=0, help="show up to N misses per set")
    parser.add_argument("--model", action="store_true",
                        help="add the learned injection signal (detect.injection_model)")
    args = parser.parse_args()
    print("\n".join(report(args.root, args.misses, model=args.model)))


if __name__ == "__main__":
    main()
