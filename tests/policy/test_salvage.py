"""A block that fails validation is repaired and checked on: one mistake hides no other."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.engine.compile import build_policy_text
from guard.errors import PolicyError
from guard.policy.loader import read_policy_text


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyError) as info:
        build_policy_text("version: 1\n" + text, "p.yaml")
    return [str(p) for p in info.value.problems]


def test_a_bad_key_does_not_hide_the_policys_cel_regexes_or_entities() -> None:
    found = problems("""policies:
  - name: c
    type: content
    action: blok
    when: request.modle == "x"
    detect:
      patterns: [{name: a, regex: '(?=x)'}]
  - name: p
    type: pii
    action: redakt
    entities: [EMAIL]
""")
    assert [line.split(": ")[1] for line in found] == [
        "policies[0].action", "policies[0].when", "policies[0].detect.patterns[0].regex",
        "policies[1].action", "policies[1].entities[0]"]


def test_a_duplicate_name_is_reported_even_when_its_twin_is_invalid() -> None:
    found = problems("""policies:
  - {name: same, type: rule, deny_if: "true", status: 200}
  - {name: same, type: rule, deny_if: "true"}
""")
    assert "p.yaml:4: policies[1].name: duplicate policy name 'same'" in found[1]


def test_a_stand_in_name_is_never_a_duplicate() -> None:
    found = problems("""policies:
  - {name: "bad name", type: rule, deny_if: "true"}
  - {name: "bad name!", type: rule, deny_if: "true"}
""")
    assert len(found) == 2 and not any("duplicate" in line for line in found)


def test_an_identity_typo_hides_neither_identity_nor_variables() -> None:
    found = problems("""identity:
  usr: request.body.user
  key: request.header["a"]
variables: {x: request.modle == "a"}
settings: {mode: monitr}
""")
    assert [line.split(": ")[1] for line in found] == [
        "identity.usr", "identity.key", "variables.x", "settings.mode"]


def test_a_bad_list_item_keeps_the_others_at_their_index() -> None:
    found = problems("""policies:
  - name: p
    type: pii
    entities: [EMPLOYEE_ID]
    recognizers:
      - {entity: EMPLOYEE_ID}
      - {entity: BADGE, patterns: ['B-(?!0)']}
""")
    assert [line.split(": ")[1] for line in found] == [
        "policies[0].recognizers[0]", "policies[0].recognizers[1].patterns[0]"]


def test_a_cross_field_rule_is_reported_with_the_field_errors() -> None:
    found = problems("""policies:
  - {name: b, type: budget, per: identity.team, window: year, limit_usd: 1, limit_tokens: 1}
""")
    assert any("set exactly one of" in line for line in found)
    assert any("policies[0].window" in line for line in found)


def test_a_repaired_key_causes_no_cross_field_report() -> None:
    found = problems("""policies:
  - {name: b, type: budget, per: identity.team, window: day, limit_usd: -1}
""")
    assert len(found) == 1 and "policies[0].limit_usd" in found[0]


def test_a_mistyped_type_is_checked_as_the_type_it_resembles() -> None:
    found = problems("""policies:
  - {name: r, type: Rate-Limit, per: identity.kee, requests: 1, window: minute}
  - {name: s, type: zzz, per: identity.kee}
""")
    assert len(found) == 3
    assert "policies[0].per" in found[0] and "did you mean 'key'" in found[0]
    assert "policies[0].type" in found[1] and "did you mean 'rate_limit'" in found[1]
    assert "policies[1].type" in found[2]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.sampled_from(["rule", "pii", "content", "budget", "true", "request.model"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["name", "type", "deny_if", "when", "per", "detect",
                                       "patterns", "regex", "entities", "recognizers",
                                       "entity", "window", "action", "x"]), inner,
                      max_size=5),
    max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(st.lists(_JSON, max_size=3))
def test_any_policies_give_problems_never_an_exception(policies: list[Any]) -> None:
    import json

    text = json.dumps({"version": 1, "policies": policies})
    _, found = read_policy_text(text, "p.yaml")
    assert all(p.file == "p.yaml" and p.line >= 1 for p in found)
    if found:
        with pytest.raises(PolicyError):
            build_policy_text(text, "p.yaml")


def test_an_unknown_key_is_matched_against_the_keys_of_its_place_first() -> None:
    found = problems("""policies:
  - {name: a, type: rule, deny_if: "true", mesage: hi}
  - {name: b, type: rule, deny_if: "true", unknown_key: 1}
""")
    assert found[0].endswith("unknown key 'mesage'; did you mean 'message'?")
    assert found[1].endswith("unknown key 'unknown_key'")  # not settings' 'unknown_api'
