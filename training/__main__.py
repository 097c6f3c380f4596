"""``python -m training [--out PATH]``: generate the corpus, fit, report, write the model.

Prints recall per attack class and false-positive rate per benign class on the
``heldout`` split (templates the fit never saw), using the exported (pruned) model
exactly as guard reads it.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from guard.content.model import model_from_dict
from training.corpus import rows
from training.fit import common, examples, export, fit, view

OUT = Path(__file__).resolve().parents[1] / "guard" / "data" / "injection_model.json"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m training")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--max-features", type=int, default=12000)
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument("--min-df", type=int, default=5)
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--low", type=float, default=2.75)
    parser.add_argument("--high", type=float, default=3.5)
    args = parser.parse_args()
    corpus = list(rows())
    train = [r for r in corpus if r["split"] == "train"]
    data: dict[str, object] = {}
    for _ in range(3):  # short attacks first, then each long one by its best window
        model = model_from_dict(data) if data else None
        bias, weights = fit(common(examples(train, model), args.min_df), epochs=args.epochs,
                            rate=args.rate, l2=args.l2)
        data = export(bias, weights, args.max_features, args.low, args.high)
    args.out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n",
                        encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes, {len(train)} training rows)")
    for line in heldout_report(data, corpus):
        print(line)


def heldout_report(data: dict[str, object], corpus: list[dict[str, object]]) -> list[str]:
    """Share flagged (model weight 1, i.e. alone at the default threshold) per class."""
    model = model_from_dict(data)
    flagged: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in corpus:
        if row["split"] != "heldout":
            continue
        hit = model.weight(model.best_window(view(str(row["text"]))).logit) >= 1.0
        key = f"{row['label']} {row['cls']}"
        flagged[key][0] += hit
        flagged[key][1] += 1
    return [f"heldout {'recall' if k[0] == '1' else 'FP rate':<8} {k[2:]:<14} "
            f"{f / n:6.1%} (n={n})" for k, (f, n) in sorted(flagged.items())]


if __name__ == "__main__":
    main()
