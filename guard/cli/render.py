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
        lines.append("policies, in the order they ran:")
        for number, trace in enumerate(result.get("trace", []), 1):
            lines.extend(_trace_lines(number, trace))
    if result["request"] is not None:
        lines.append("request forwarded:")
        lines.append(_indent(json.dumps(result["request"], indent=2, ensure_ascii=False)))
    if result.get("response") is not None:
        lines.append("response to the caller:")
        lines.append(_indent(json.dumps(result["response"], indent=2, ensure_ascii=False)))
    return "\n".join(lines)


def _trace_lines(number: int, trace: dict[str, Any]) -> list[str]:
    """One policy's run: its conditions and what they read, what it found, did and took."""
    mode = "enforce" if trace["enforced"] else "monitor"
    lines = [f"  {number}. [{trace['stage']}] {trace['policy']} ({trace['type']}, {mode})"]
    conditions = trace.get("conditions", {})
    if "when" not in conditions:
        lines.append("       when: always" if trace["matched"] else
                     "       when: false (skipped)")
    for role, reading in conditions.items():
        read = ", ".join(f"{k} = {v}" for k, v in reading["values"].items())
        lines.append(f"       {role}: {reading['source']} -> {reading['result']}"
                     + (f"  (read: {read})" if read else ""))
    if trace.get("detail"):
        lines.append(f"       found: {json.dumps(trace['detail'], ensure_ascii=False)}")
    did = "skipped" if not trace["matched"] else trace["verdict"]
    note = " (monitor: recorded, not enforced)" if mode == "monitor" and did in _ACTS else ""
    lines.append(f"       did: {did}{note} in {trace['duration_ms']:.2f} ms")
    return lines


_ACTS = frozenset({"deny", "modify", "flag", "error"})


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())
