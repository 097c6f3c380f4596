"""Human-readable rendering of a decision for a terminal."""

from __future__ import annotations

import json
from typing import Any

_MARKS = {"deny": "DENY", "modify": "MODIFY", "allow": "ALLOW"}


def render_decision(result: dict[str, Any], *, explain: bool = False) -> str:
    """A few lines a person can read; ``--json`` gives the exact data."""
    lines = [f"{_MARKS[result['action']]}  status {result['status']}  "
             f"api {result['api']}  model {result.get('model') or '-'}",
             f"decision {result['decision_id']}  revision {result['revision']}"]
    for violation in result["violations"]:
        note = "" if violation.get("enforced", True) else " (monitor)"
        lines.append(f"  {violation['action']:<6} {violation['policy']}: "
                     f"{violation['message']}{note}")
    if explain:
        lines.append("policies:")
        lines.extend(_trace_line(t) for t in result.get("trace", []))
    if result["request"] is not None:
        lines.append("request forwarded:")
        lines.append(_indent(json.dumps(result["request"], indent=2, ensure_ascii=False)))
    if result.get("response") is not None:
        lines.append("response to the caller:")
        lines.append(_indent(json.dumps(result["response"], indent=2, ensure_ascii=False)))
    return "\n".join(lines)


def _trace_line(trace: dict[str, Any]) -> str:
    matched = "matched" if trace["matched"] else "skipped (when false)"
    detail = f"  {json.dumps(trace['detail'])}" if trace.get("detail") else ""
    return (f"  [{trace['stage']}] {trace['policy']} ({trace['type']}): {matched}, "
            f"{trace['verdict']}, {trace['duration_ms']:.2f} ms{detail}")


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
