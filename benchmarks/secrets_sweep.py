"""Secrets hits on benign text nobody wrote to look like secrets.

    python -m benchmarks.secrets_sweep [EVALSETS_DIR] [--count N] [--show N]

Chunks of the CPython standard library (docstrings and source) and installed packages'
docstrings (:func:`training.benign.stdlib_texts`), and the benign prompts of the injection
sets (``injection/injection_eval.jsonl`` label 0, XSTest's safe prompts). None holds a real
credential, so every chunk ``secrets: true`` flags is a false positive or a test fixture's
literal (``password = 'secret'`` in ``smtplib``'s docs): the count is what a code-and-docs
stream pays, per detector, with the flagged chunks listed for review.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from benchmarks.quality_content import DEFAULT_DIR
from guard.content.scanner import Detectors, Scanner
from training.benign import stdlib_texts


def chunks(root: Path, count: int) -> list[str]:
    """``count`` code and docs chunks, then the benign prompts of the evaluation sets."""
    texts = stdlib_texts(random.Random(18), count)
    for name in ("injection/injection_eval.jsonl", "injection/xstest.jsonl"):
        path = root / name
        if path.is_file():
            lines = path.read_text("utf-8").split("\n")  # not splitlines: texts hold U+2028
            rows = (json.loads(line) for line in lines if line.strip())
            texts += [row["text"] for row in rows if row["label"] == 0]
    return texts


def sweep(texts: list[str]) -> tuple[Counter[str], list[str]]:
    """Per detector, the chunks it flags; and one line per flagged chunk."""
    scanner = Scanner(Detectors(secrets=True))
    counts: Counter[str] = Counter()
    flagged = []
    for text in texts:
        scan = scanner.scan(text)
        if not scan.hits:
            continue
        counts.update(scan.detectors)
        hit = scan.hits[0]
        around = text[max(0, hit.start - 40):hit.end + 20].replace("\n", " ")
        flagged.append(f"{','.join(scan.detectors)}: {around!r}")
    return counts, flagged


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.secrets_sweep")
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--count", type=int, default=5000, help="code and docs chunks")
    parser.add_argument("--show", type=int, default=20, help="flagged chunks to list")
    args = parser.parse_args()
    texts = chunks(args.root, args.count)
    counts, flagged = sweep(texts)
    print(f"{len(flagged)} of {len(texts)} benign chunks flagged "
          f"({len(flagged) / max(len(texts), 1):.2%})")
    for name, number in counts.most_common():
        print(f"  {name:<32} {number}")
    for line in flagged[:args.show]:
        print(f"    {line[:200]}")


if __name__ == "__main__":
    main()
