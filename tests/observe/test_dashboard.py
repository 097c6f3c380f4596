"""The Grafana dashboard in ``deploy/`` asks only for series guard exports, by labels they
have: a renamed metric or label fails here, not silently on an operator's wall."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from guard.observe import Metrics

DASHBOARD = Path(__file__).parents[2] / "deploy" / "grafana-dashboard.json"
SCRAPE_LABELS = frozenset({"job", "instance", "le"})
"""Added by Prometheus at scrape time (job, instance) or by the histogram (le)."""


def exported() -> dict[str, frozenset[str]]:
    """Every sample name in guard's real exposition, with its labels."""
    metrics = Metrics()
    metrics.decisions.inc(("openai.chat", "allow"))
    metrics.policy_outcomes.inc(("p", "pii", "input", "deny"))
    metrics.rate_limited.inc(("p", "requests"))
    metrics.budget_spend.inc(("p", "usd"), 0.5)
    metrics.check_seconds.observe(("input",), 0.001)
    metrics.policy_seconds.observe(("pii", "input"), 0.001)
    body, _ = metrics.render()
    names: dict[str, set[str]] = {}
    for line in body.decode().splitlines():
        found = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ", line)
        if found and not line.startswith("#"):
            labels = set(re.findall(r'(\w+)="', found.group(2) or ""))
            names.setdefault(found.group(1), set()).update(labels)
    return {name: frozenset(labels) for name, labels in names.items()}


def queries(node: Any) -> list[str]:
    """Every PromQL text in the dashboard: panel targets and template variable queries."""
    found: list[str] = []
    if isinstance(node, dict):
        promql = node.get("type") != "datasource"
        for key, value in node.items():
            if isinstance(value, str) and (key in ("expr", "definition") or
                                           (key == "query" and promql)):
                found.append(value)
            else:
                found.extend(queries(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(queries(item))
    return found


def problems(dashboard: Any) -> list[str]:
    """Each query that names no guard metric, one guard does not export, or a label its
    metrics do not have."""
    names = exported()
    found: list[str] = []
    for text in queries(dashboard):
        used = set(re.findall(r"\b(guard_\w+)\b", text))
        if not used or not used <= set(names):
            found.append(f"metrics {sorted(used - set(names)) or 'none'}: {text}")
            continue
        labels = {name.strip() for group in re.findall(r"\b(?:by|without)\s*\(([^)]*)\)", text)
                  for name in group.split(",") if name.strip()}
        labels |= set(re.findall(r'(\w+)\s*(?:=~|!~|!=|=)\s*"', text))
        labels |= set(re.findall(r"label_values\([^,]*,\s*(\w+)\)", text))
        available = SCRAPE_LABELS.union(*(names[m] for m in used))
        if not labels <= available:
            found.append(f"labels {sorted(labels - available)}: {text}")
    return found


def test_the_dashboard_is_json_with_panels_and_queries() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["panels"]
    targets = [t for p in dashboard["panels"] for t in p.get("targets", [])]
    assert len(targets) >= 8 and all(t["expr"] for t in targets)
    assert len(queries(dashboard)) > len(targets)  # the template variables' queries too


def test_every_query_names_metrics_guard_exports_by_labels_they_have() -> None:
    assert problems(json.loads(DASHBOARD.read_text())) == []


def test_the_check_catches_a_renamed_metric_or_label() -> None:
    bad = {"panels": [{"targets": [
        {"expr": "sum(rate(guard_decision_total[5m]))"},
        {"expr": 'sum by (model) (rate(guard_decisions_total{action="deny"}[5m]))'},
        {"expr": "rate(http_requests_total[5m])"}]}]}
    assert len(problems(bad)) == 3
