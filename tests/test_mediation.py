"""Complete mediation as a property: whatever the JSON, whatever the path, a planted value
never reaches the upstream, and nothing else about the body changes.

Random JSON bodies go to random paths of no known API (the generic view, which every future
or unknown endpoint gets) with an e-mail address planted in one random string leaf, any key,
any depth. The body to forward has the value redacted at that leaf and every other leaf, key
and structure exactly as sent. Known APIs' own fields are covered by their dialects' tests.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guard import Guard

EMAIL = "jane.roe@example.com"
POLICY = """version: 1
settings: {store: "memory://", scan_memo: 0}
policies:
  - name: emails
    type: pii
    entities: [EMAIL_ADDRESS]
    action: redact
    replacement: "<gone>"
"""

INTS = st.integers(-(2**63), 2**63 - 1)  # the JSON integers guard reads
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)),
                max_size=12)
keys = st.sampled_from(["model", "type", "id", "role", "data", "name", "input", "text",
                        "url", "content", "Model"]) | st.text(max_size=6)
leaves = st.none() | st.booleans() | INTS | words
bodies = st.dictionaries(keys, st.recursive(
    leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner,
                                                                       max_size=4),
    max_leaves=20), min_size=1, max_size=5)
paths = st.sampled_from(["/v1/widgets", "/x", "/v2/assistants/a1/runs", "/", "/api/v9/do",
                         "/v1/threads/t_1/messages", "/hooks/incoming"])


def string_leaves(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, str):
        return [at]
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(
        node, list) else []
    return [p for k, v in items for p in string_leaves(v, (*at, k))]


def put(node: Any, at: tuple[Any, ...], value: Any) -> Any:
    if not at:
        return value
    copy = dict(node) if isinstance(node, dict) else list(node)
    copy[at[0]] = put(node[at[0]], at[1:], value)
    return copy


def no_case_twins(body: Any) -> bool:
    """Keys differing only in case are refused (400) by design: not this property's subject."""
    if isinstance(body, dict):
        return len({k.lower() for k in body}) == len(body) and all(map(no_case_twins,
                                                                        body.values()))
    return all(map(no_case_twins, body)) if isinstance(body, list) else True


@pytest.fixture(scope="module")
def guard() -> Guard:
    return Guard.from_yaml(POLICY)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies.filter(no_case_twins), path=paths, data=st.data())
def test_a_planted_value_is_redacted_and_nothing_else_changes(guard: Guard, body: dict[str, Any],
                                                              path: str, data: Any) -> None:
    body = {**body, "note": body.get("note", "")} if not string_leaves(body) else body
    where = data.draw(st.sampled_from(string_leaves(body)))
    original = _get(body, where)
    cut = data.draw(st.integers(0, len(original)))
    planted = put(body, where, f"{original[:cut]} {EMAIL} {original[cut:]}")
    decision = guard.check_request_sync(json.dumps(planted).encode(), path=path,
                                        headers={"content-type": "application/json"})
    assert decision.action == "modify" and decision.body is not None
    forwarded = json.dumps(decision.body, ensure_ascii=False)
    assert EMAIL not in forwarded
    assert decision.body == put(body, where, f"{original[:cut]} <gone> {original[cut:]}")


def _get(node: Any, at: tuple[Any, ...]) -> Any:
    for key in at:
        node = node[key]
    return node
