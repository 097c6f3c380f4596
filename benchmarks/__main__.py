"""Run every benchmark and print one table: guard's figure, the baseline's, the ratio.

    python -m benchmarks [--quick] [--json PATH] [--only NAME] [--evalsets PATH]

Each module under ``benchmarks/`` named ``bench_*.py`` exposes ``run(quick) -> rows``;
every row measures guard and its baseline in the same run, so the ratio is what we quote.

After the table comes detection quality on the public evaluation sets (``--evalsets``,
default ``../shared/evalsets`` beside the repository): PII precision/recall per entity
beside raw Presidio's (:mod:`benchmarks.quality_pii`), injection recall and false-positive
rates per source, secrets recall and false-positive rate (:mod:`benchmarks.quality_content`),
then every detector per category of the sets with its false-positive rate
(:mod:`benchmarks.quality_categories`). The public sets were used while tuning.
With ``--only``, quality is skipped unless ``--evalsets`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import platform
import sys
from pathlib import Path
from typing import Any

from benchmarks.quality_content import DEFAULT_DIR


def collect(quick: bool, only: str | None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    here = Path(__file__).parent
    for module in sorted(m.name for m in pkgutil.iter_modules([str(here)])):
        if not module.startswith("bench_") or (only and only not in module):
            continue
        print(f"running {module} ...", file=sys.stderr, flush=True)
        rows.extend(importlib.import_module(f"benchmarks.{module}").run(quick=quick))
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    header = f"{'benchmark':<44} {'baseline':<22} {'us':>10} {'guard':<22} {'us':>10} {'ratio':>7}"
    lines = [header, "-" * len(header)]
    for r in rows:
        lines.append(f"{r['name']:<44} {r['baseline']:<22} {r['baseline_us']:>10.1f} "
                     f"{r['guard']:<22} {r['guard_us']:>10.1f} {r['ratio']:>7.2f}")
    lines.append("ratio = guard / baseline time (below 1: guard is faster)")
    return "\n".join(lines)


def quality_lines(root: Path) -> list[str]:
    """The quality modules' own reports, so the main run and theirs never disagree."""
    from benchmarks import quality_categories, quality_content, quality_pii

    return (["", f"detection quality ({root}; these public sets were used while tuning the "
             "detectors: held-out figures come from sets the team never sees)", "",
             *quality_pii.report(root), "", *quality_content.report(root), "",
             *quality_categories.report(root)])


def quality_figures(root: Path) -> dict[str, Any]:
    """The same figures as data for ``--json``, without the example texts of misses."""
    from benchmarks import quality_categories as categories
    from benchmarks import quality_content as content
    from benchmarks import quality_pii as pii

    return {
        "pii_synth": {d: _figures(pii.synth_quality(root, d)) for d in pii.DETECTORS},
        "pii_recognizer_cases": {d: _figures(pii.lookalike_quality(root, d))
                                 for d in pii.DETECTORS},
        "injection": _figures(content.injection_quality(root, model=True)),
        "injection_heuristics": _figures(content.injection_quality(root)),
        "injection_by_category": categories.injection_by_category(root),
        "secrets_by_provider": categories.secrets_by_provider(root),
        "xstest": _numbers(content.xstest_quality(root)),
        "secrets": _numbers(content.secrets_quality(root)),
    }


def _figures(by_key: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {key: _numbers(values) for key, values in by_key.items()}


def _numbers(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not isinstance(v, list)}


def evalsets_root(args: argparse.Namespace) -> Path | None:
    """Where to read the evaluation sets, or None (printing where it looked) to skip quality."""
    if args.evalsets is None and args.only:
        print("\ndetection quality: skipped with --only (pass --evalsets PATH)")
        return None
    root = Path(args.evalsets) if args.evalsets else DEFAULT_DIR
    if not root.is_dir():
        print(f"\ndetection quality: skipped, no evaluation sets at {root} "
              "(pass --evalsets PATH)")
        return None
    return root


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--only", help="run only benchmarks whose module name contains this")
    parser.add_argument("--evalsets", metavar="PATH", help="public evaluation sets for the "
                        f"detection-quality figures (default: {DEFAULT_DIR}, if present)")
    args = parser.parse_args()
    rows = collect(args.quick, args.only)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, {platform.system()}")
    print(table(rows))
    root = evalsets_root(args)
    if root is not None:
        print("\n".join(quality_lines(root)))
    if args.json:
        result: dict[str, Any] = {"machine": platform.platform(), "rows": rows}
        if root is not None:
            result["quality"] = quality_figures(root)
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
