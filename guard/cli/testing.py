"""``guard test PATH``: run policy test cases, one PASS/FAIL line each, and a summary.

Exit codes as the contract says: 0 every case passed, 1 any failed, 2 a test
file (or the policy set it tests) is broken — reported as ``file:line: message``
like every policy problem.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from guard.errors import PolicyError
from guard.testing.cases import find_test_files, load_cases
from guard.testing.runner import CaseResult, Coverage, SuiteResult, run_tests

EXIT_FAILED = 1


def test(args: argparse.Namespace) -> int:
    """Find, load (all problems at once) and run the cases under ``args.policies``."""
    try:
        cases = load_cases(find_test_files(Path(args.policies)))
        suite = asyncio.run(run_tests(cases))
    except PolicyError as exc:
        if not args.json:
            raise
        print(json.dumps({"ok": False, "problems": problems_json(exc)}, indent=2))
        return 2
    if args.json:
        print(json.dumps(suite_json(suite, coverage=args.coverage), indent=2,
                         ensure_ascii=False))
    else:
        print("\n".join(suite_lines(suite, coverage=args.coverage)))
    return EXIT_FAILED if suite.failed else 0


def problems_json(exc: PolicyError) -> list[dict[str, Any]]:
    return [{"file": p.file, "line": p.line, "path": p.path, "message": p.message}
            for p in exc.problems]


def suite_lines(suite: SuiteResult, *, coverage: bool) -> list[str]:
    """The text report: a line per case (and its differences), coverage, the summary."""
    lines: list[str] = []
    for result in suite.results:
        lines.extend(case_lines(result))
    if coverage:
        for cover in suite.coverage:
            lines.extend(coverage_lines(cover))
    lines.append(summary(suite))
    return lines


def case_lines(result: CaseResult) -> list[str]:
    where = f"{display(result.located.file)}:{result.located.line}"
    lines = [f"{'PASS' if result.ok else 'FAIL'}  {where}: {result.located.case.name}"]
    if not result.ok:
        lines.extend(f"        {difference}" for difference in result.differences)
        lines.append(f"        fired: {fired(result)}")
    return lines


def fired(result: CaseResult) -> str:
    """``no-secrets (modify), no-empty-prompts (deny, monitor)``: the policies that acted."""
    parts = [f"{v.policy} ({v.action}{'' if v.enforced else ', monitor'})"
             for v in result.exchange.violations]
    return ", ".join(parts) or "none"


def coverage_lines(cover: Coverage) -> list[str]:
    head = f"coverage of {display(cover.directory)} ({len(cover.policies)} policies): "
    missing = cover.unexercised
    lines = [head + ("every policy exercised" if not missing else
                     f"{len(missing)} not exercised: {', '.join(missing)}")]
    if cover.never_fired:
        lines.append(f"  exercised but never fired: {', '.join(cover.never_fired)}")
    return lines


def summary(suite: SuiteResult) -> str:
    counts = f"{suite.passed} passed" + (f", {suite.failed} failed" if suite.failed else "")
    files = f"{suite.files} file{'s' if suite.files != 1 else ''}"
    return f"{counts} in {files} ({suite.seconds:.2f} s)"


def suite_json(suite: SuiteResult, *, coverage: bool) -> dict[str, Any]:
    document: dict[str, Any] = {
        "ok": not suite.failed, "passed": suite.passed, "failed": suite.failed,
        "files": suite.files, "seconds": round(suite.seconds, 3),
        "cases": [_case_json(r) for r in suite.results],
    }
    if coverage:
        document["coverage"] = [_coverage_json(c) for c in suite.coverage]
    return document


def _case_json(result: CaseResult) -> dict[str, Any]:
    exchange = result.exchange
    return {"file": str(result.located.file), "line": result.located.line,
            "name": result.located.case.name, "ok": result.ok,
            "differences": result.differences, "action": exchange.action,
            "status": exchange.status, "violations": [v.to_json() for v in exchange.violations],
            "decision_id": exchange.request.decision_id}


def _coverage_json(cover: Coverage) -> dict[str, Any]:
    return {"directory": str(cover.directory), "policies": cover.policies,
            "unexercised": cover.unexercised, "never_fired": cover.never_fired}


def display(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (shorter lines)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
