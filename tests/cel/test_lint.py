"""Lint of one CEL expression: kinds, every unknown name, `=` for `==`, often-absent reads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.cel import engine
from guard.cel.lint import lint_cel
from guard.errors import CelEvaluationError

ENGINES = ["cel-expr-python", "cel-python"]
BASE: dict[str, Any] = {
    "api": "openai.chat", "path": "/v1/chat/completions", "method": "POST",
    "headers": {}, "model": "openai/gpt-5-mini", "provider": "openai", "stream": False,
    "max_tokens": None, "messages": [], "text": "hi", "tags": {}, "metadata": {},
    "body": {"model": "gpt"}, "tokens": 3, "operation": "chat", "api_key": None,
}


def errors(source: str, expect: Any = "bool") -> list[str]:
    return [f.message for f in lint_cel(source, expect, absent_fails=True) if not f.warning]


def warnings(source: str, expect: Any = "bool") -> list[str]:
    return [f.message for f in lint_cel(source, expect, absent_fails=True) if f.warning]


@pytest.mark.parametrize(("source", "kind"), [
    ("request.model", "a string"), ("request.text", "a string"),
    ("identity.team", "a string"), ("request.tokens", "an int"),
    ("request.messages", "a list"), ("request.headers", "a map"),
    ("size(request.messages)", "an int"), ('"yes"', "a string"),
    ('request.model + "-x"', "a string"), ("[1, 2]", "a list"),
    ('request.stream ? "a" : "b"', "a string"), ("(request.model)", "a string"),
    ('request["model"]', "a string"), ("identity['team']", "a string"),
])
def test_a_non_bool_where_a_bool_is_needed_is_an_error(source: str, kind: str) -> None:
    [message] = errors(source)
    assert f"expected a bool, but this expression gives {kind}" in message


@pytest.mark.parametrize("source", [
    "request.model && request.stream", "request.stream || request.text",
    "!request.model", 'request.tokens ? "a" == "a" : false',
])
def test_operands_of_logic_must_be_bools(source: str) -> None:
    [message] = errors(source)
    assert "needs a bool, but" in message


@pytest.mark.parametrize("source", [
    "request.stream", "!request.stream", 'request.model == "x"', "size(request.text) > 3",
    'request.model.startsWith("openai/") || request.stream', "variables.vip",
    "request.body.flag", 'request.messages.exists(m, m.role == "system")',
    "findings.pii.size() > 0", 'request.api in ["openai.chat"]', "has(request.body.x)",
    "request.stream ? true : false", "request.body.a ? request.body.b : false",
    'request["stream"]', 'request.body["model"]', "request[request.text]",
])
def test_bools_and_unknowables_pass(source: str) -> None:
    assert errors(source) == []


def test_string_expected_refuses_other_kinds_only() -> None:
    assert errors("request.tokens", "string") == [
        "expected a string, but this expression gives an int"]
    assert errors('request.stream ? "a" : "b"', "string") == []
    assert errors("null", "string") == []
    assert errors("request.model", "any") == []


def test_every_unknown_name_of_one_expression_is_reported() -> None:
    found = errors('request.modle == "x" && idenity.user == "a" && request.mesages == []')
    assert len(found) == 3
    assert any("did you mean 'model'" in m for m in found)
    assert any("did you mean 'identity'" in m for m in found)
    assert any("did you mean 'messages'" in m for m in found)


@pytest.mark.parametrize("source", ["request.stream = true", "request.model='x'",
                                    "identity.team = 'eu' && request.stream"])
def test_assignment_for_comparison_is_hinted(source: str) -> None:
    [message] = errors(source)
    assert message.endswith("`=` is not a CEL operator: to compare, write `==`")


@pytest.mark.parametrize("source", ["request.stream ==", "request.model == 'a=b' &&",
                                    "request.tokens >= >"])
def test_other_syntax_errors_get_no_assignment_hint(source: str) -> None:
    [message] = errors(source)
    assert "write `==`" not in message


@pytest.mark.parametrize(("source", "guard"), [
    ("request.body.temperature > 1", "has(request.body.temperature)"),
    ('request.headers["x-team"] == "eu"', '"x-team" in request.headers'),
    ("request.tags.project == 'demo'", "has(request.tags.project)"),
    ("request.metadata.tier == 'gold'", "has(request.metadata.tier)"),
    ("request.max_tokens > 1000", "request.max_tokens != null"),
    ('request.model.startsWith("gpt")', "request.model != null"),
    ("request.body.a.b > 1", "has(request.body.a)"),
    ('identity.team.startsWith("eu-")', "identity.team != null"),
])
def test_reads_of_often_absent_keys_are_warned_with_the_guarded_form(source: str,
                                                                    guard: str) -> None:
    assert errors(source) == []
    [message] = warnings(source)
    assert f"`{guard} && " in message


@pytest.mark.parametrize("source", [
    "has(request.body.temperature) && request.body.temperature > 1",
    '"x-team" in request.headers && request.headers["x-team"] == "eu"',
    "'project' in request.tags && request.tags['project'] == 'demo'",
    "request.max_tokens != null && request.max_tokens > 1000",
    'request.model == "gpt"', "request.tokens > 10", "size(request.body) > 2",
    "has(request.body.user)", "request.messages.exists(m, m.role == 'user')",
    'identity.team == "eu"', 'identity.team != null && identity.team.startsWith("eu-")',
])
def test_guarded_or_always_present_reads_are_not_warned(source: str) -> None:
    assert warnings(source) == []


def test_absent_reads_are_warned_only_where_a_failure_fails_the_policy() -> None:
    found = lint_cel("request.body.user", "any", absent_fails=False)
    assert found == []  # identity, variables, `per`: a failed read is just absent


def guarded_form(message: str) -> str:
    found = re.search(r"test it first: `(.*)`$", message)
    assert found is not None, message
    return found.group(1)


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("source", [
    "request.body.temperature > 1", 'request.headers["x-team"] == "eu"',
    "request.max_tokens > 1000", "request.tags.project == 'demo'",
])
def test_a_warned_read_fails_when_absent_and_its_guarded_form_does_not(
        name: str, source: str) -> None:
    """The warning is true (the read fails without the key) and its fix works (the
    guarded form evaluates, with the key and without)."""
    cel = engine(name)
    absent = cel.bind({"request": BASE})
    with pytest.raises(CelEvaluationError):
        cel.compile(source, "bool").evaluate(absent)
    [message] = warnings(source)
    fixed = cel.compile(guarded_form(message), "bool")
    assert fixed.evaluate(absent) is False
    present = {**BASE, "body": {"temperature": 2}, "headers": {"x-team": "eu"},
               "max_tokens": 2000, "tags": {"project": "demo"}}
    assert fixed.evaluate(cel.bind({"request": present})) is True


_ATOMS = ["request.stream", "request.model", "request.tokens", "request.text",
          "request.body.x", "identity.team", "true", "1", '"s"', "request.messages"]
_OPS = [" && ", " || ", " == ", " > ", " + ", " = ", " in "]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_ATOMS), st.sampled_from(_OPS)), min_size=1,
                max_size=5), st.sampled_from(["bool", "string", "any"]), st.booleans())
def test_lint_never_raises_and_reports_errors_before_warnings(
        parts: list[tuple[str, str]], expect: Any, absent: bool) -> None:
    source = "".join(a + op for a, op in parts)[: -len(parts[-1][1])] or "true"
    found = lint_cel(source, expect, absent_fails=absent)
    kinds = [f.warning for f in found]
    assert kinds == sorted(kinds)
    assert not (any(kinds) and not all(kinds))  # warnings only when there is no error


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_ATOMS), st.sampled_from(_OPS[2:5])), min_size=1,
                max_size=4))
def test_no_kind_error_for_an_expression_that_gives_a_bool(parts: list[tuple[str, str]]
                                                           ) -> None:
    """Never a false error: what gives a bool on requests both ways is accepted. (Logic
    operators are left out: `true || "s"` gives true by error absorption, yet its string
    operand is a mistake lint rightly reports.)"""
    source = "".join(a + op for a, op in parts)[: -len(parts[-1][1])]
    cel = engine("cel-python")
    values = []
    for flag in (True, False):
        request = {**BASE, "stream": flag, "body": {"x": flag}}
        try:
            values.append(cel.compile(source, "any").evaluate(
                cel.bind({"request": request, "identity": {"team": "eu"}})))
        except Exception:
            return
    if all(isinstance(value, bool) for value in values):
        assert errors(source) == [], source


def test_undefined_variables_are_errors_with_a_suggestion() -> None:
    found = lint_cel("variables.bigg && has(variables.nope)", "bool", variables={"big"})
    assert [f.message for f in found] == [
        "invalid CEL: undefined variable 'bigg' (did you mean 'big'?); the set defines: big",
        "invalid CEL: undefined variable 'nope'; the set defines: big"]
    assert lint_cel("variables.big", "bool", variables={"big"}) == []
    assert lint_cel("variables.anything", "bool") == []  # names unknown: not checked
