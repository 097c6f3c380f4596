"""Run every benchmark and print one table: guard's figure, the baseline's, the ratio.

    python -m benchmarks [--quick] [--json PATH]

Each module under ``benchmarks/`` named ``bench_*.py`` exposes ``run(quick) -> rows``;
every row measures guard and its baseline in the same run, so the ratio is what we quote.
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer iterations")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    parser.add_argument("--only", help="run only benchmarks whose module name contains this")
    args = parser.parse_args()
    rows = collect(args.quick, args.only)
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, {platform.system()}")
    print(table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": platform.platform(), "rows": rows},
                                              indent=2))


if __name__ == "__main__":
    main()
