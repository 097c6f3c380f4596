"""One CEL suite, run against every installed engine, so they cannot drift apart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.cel import available_engines, engine
from guard.errors import CelError, CelEvaluationError

ENGINES = ["cel-expr-python", "cel-python"]
NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
REQUEST = {
    "api": "openai.chat", "path": "/v1/chat/completions", "method": "POST",
    "headers": {"x-team": "eu", "authorization": "Bearer x"},
    "model": "openai/gpt-5-mini", "provider": "openai", "stream": False, "max_tokens": None,
    "messages": [{"role": "system", "text": "Be brief."}, {"role": "user", "text": "Hello"}],
    "text": "Be brief.\nHello", "tags": {"project": "demo"}, "metadata": {},
    "body": {"user": "alice", "n": 3, "ratio": 0.5, "nested": {"deep": [1, 2]}}, "tokens": 12,
}
DATA = {"request": REQUEST, "identity": {"key": "sha256:ab", "user": "alice", "team": None,
                                         "project": None},
        "variables": {"vip": True}, "findings": {"pii": ["EMAIL_ADDRESS"]}, "response": {},
        "now": NOW}


def installed(name: str) -> Any:
    if name not in available_engines():
        pytest.skip(f"{name} is not installed (pip install {name})")
    return engine(name)


@pytest.fixture(params=ENGINES)
def cel(request: pytest.FixtureRequest) -> Any:
    return installed(request.param)


CASES: list[tuple[str, object]] = [
    ('request.model.startsWith("openai/")', True),
    ('request.model.endsWith("-mini") && request.provider == "openai"', True),
    ('request.model.contains("gpt")', True),
    ('request.model.matches("^openai/gpt-[0-9]+")', True),
    ("size(request.messages) > 1", True),
    ("size(request.text)", 15),
    ('request.messages.exists(m, m.role == "system")', True),
    ('request.messages.all(m, m.text != "")', True),
    ("request.messages.map(m, m.role)", ["system", "user"]),
    ('request.messages.filter(m, m.role == "user").size() == 1', True),
    ('"x-team" in request.headers && request.headers["x-team"] == "eu"', True),
    ('"x-missing" in request.headers', False),
    ('request.headers["x-missing"] == "a" || true', True),
    ('false && request.headers["x-missing"] == "a"', False),
    ("has(request.body.user)", True),
    ("has(request.body.missing)", False),
    ('has(request.body.missing) && request.body.missing == "x"', False),
    ("has(request.body.nested.deep)", True),
    ("request.body.n + 1", 4),
    ("request.body.n * 2 > 5", True),
    ("request.body.ratio > 0.25", True),
    ("request.max_tokens == null", True),
    ("request.stream", False),
    ("!request.stream && request.tokens < 1000", True),
    ('request.tags.project == "demo"', True),
    ('identity.user == "alice" && identity.team == null', True),
    ("variables.vip", True),
    ('"EMAIL_ADDRESS" in findings.pii', True),
    ('has(findings.content)', False),
    ('request.provider == "anthropic" ? "" : "anthropic/claude-sonnet-4-6"',
     "anthropic/claude-sonnet-4-6"),
    ('request.model + "@" + identity.user', "openai/gpt-5-mini@alice"),
    ("now.getHours()", 5),
    ("now.getDayOfWeek()", 3),
    ('now > timestamp("2026-01-01T00:00:00Z")', True),
    ('now + duration("1h") > now', True),
    ("size(request.body.nested.deep)", 2),
    ("[1, 2, 3].exists(x, x == 2)", True),
    ('{"a": 1}.a', 1),
    ("request.body.nested", {"deep": [1, 2]}),
    # current CEL semantics on both engines: numbers compare across int/double, and
    # values of different kinds are unequal rather than an error
    ("request.body.n == 3.0", True),
    ("request.body.ratio < 1", True),
    ("request.tokens >= 12.0", True),
    ('request.body.n == "3"', False),
    ('request.body.n != "3"', True),
    ('request.headers["x-team"] in [request.body.n, "eu"]', True),
    ("request.body.ratio in [request.body.n, 1]", False),
    ("request.max_tokens == 0", False),
    ("[1, 2] == [1, 2.0]", True),
]


@pytest.mark.parametrize(("source", "expected"), CASES)
def test_expression_results(cel: Any, source: str, expected: object) -> None:
    program = cel.compile(source)
    assert program.evaluate(cel.bind(DATA)) == expected


@pytest.mark.parametrize(
    "source",
    ['request.headers["x-missing"] == "a"', "request.body.missing", "request.max_tokens > 5",
     "1 / 0", 'request.model + 1'],
)
def test_evaluation_errors_raise_one_error_type(cel: Any, source: str) -> None:
    bindings = cel.bind(DATA)
    with pytest.raises(CelEvaluationError):
        cel.compile(source).evaluate(bindings)


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("reqest.model", "undeclared reference to 'reqest' (did you mean 'request'?)"),
        ("request.modle == 'x'", "unknown field 'modle' of request (did you mean 'model'?)"),
        ("has(request.modle)", "unknown field 'modle' of request"),
        ("identity.usr", "unknown field 'usr' of identity (did you mean 'user'?)"),
        ("response.txt", "unknown field 'txt' of response (did you mean 'text'?)"),
        ("1 +", ""),
        ("request.model ==", ""),
    ],
)
def test_compile_errors(cel: Any, source: str, fragment: str) -> None:
    with pytest.raises(CelError) as info:
        cel.compile(source)
    assert fragment in str(info.value)
    assert "Traceback" not in str(info.value)


def test_macro_variables_are_not_undeclared(cel: Any) -> None:
    cel.compile('request.messages.exists(msg, msg.role == "user" && size(msg.text) > 0)')


def test_result_kinds_are_enforced_at_run_time(cel: Any) -> None:
    bindings = cel.bind(DATA)
    with pytest.raises(CelEvaluationError, match="expected a bool"):
        cel.compile("request.model", expect="bool").evaluate(bindings)
    with pytest.raises(CelEvaluationError, match="expected a string"):
        cel.compile("request.tokens", expect="string").evaluate(bindings)
    assert cel.compile("request.model", expect="list").evaluate(bindings) == [
        "openai/gpt-5-mini"]


def test_fast_engine_refuses_statically_wrong_kinds() -> None:
    cel = installed("cel-expr-python")
    with pytest.raises(CelError, match="expected a bool expression"):
        cel.compile('"text"', expect="bool")


def test_fast_engines_iteration_budget_is_an_evaluation_error() -> None:
    """cel-expr-python stops a comprehension after ~10,000 steps; the policy then fails
    (its ``on_error`` applies) instead of crashing as an unexpected exception."""
    cel = installed("cel-expr-python")
    messages = [{"role": "user", "text": "a"}] * 20_000
    program = cel.compile('request.messages.exists(m, m.text == "b")', expect="bool")
    with pytest.raises(CelEvaluationError, match="Iteration budget exceeded"):
        program.evaluate(cel.bind({"request": {"messages": messages}}))


def test_default_engine_is_the_fastest_installed() -> None:
    assert engine().name == available_engines()[0]


def test_forcing_an_engine_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_CEL_ENGINE", "cel-python")
    assert engine().name == "cel-python"


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["user", "n", "tags", "x"]), inner, max_size=3),
    max_leaves=10,
)
SAME = [
    'request.body.x == 1',
    'request.body.x != "a"',
    'has(request.body.x) && request.body.x > 1.5',
    'has(request.body.n) && request.body.n in [1, "a", null, true]',
    'request.body.x == request.body.n',
    "has(request.body.user)",
    'has(request.body.user) && request.body.user == "alice"',
    "has(request.body.n) && request.body.n == 3",
    '"x" in request.body',
    "size(request.body)",
    "request.body",
    'has(request.body.tags) && "a" in request.body.tags',
]


@settings(max_examples=150, deadline=None)
@given(JSON)
def test_engines_agree_on_random_bodies(body: Any) -> None:
    if len(available_engines()) < 2:
        pytest.skip("only one CEL engine is installed")
    fast, pure = engine("cel-expr-python"), engine("cel-python")
    data = {**DATA, "request": {**REQUEST, "body": body if isinstance(body, dict) else {"x": body}}}
    for source in SAME:
        assert _outcome(fast, source, data) == _outcome(pure, source, data), source


def _outcome(cel: Any, source: str, data: dict[str, Any]) -> object:
    try:
        return ("ok", cel.compile(source).evaluate(cel.bind(data)))
    except CelEvaluationError:
        return ("error", None)


def test_nul_characters_cannot_hide_text(cel: Any) -> None:
    request = {**REQUEST, "text": "hello\x00 forbidden", "headers": {"x\x00": "a"}}
    data = {**DATA, "request": request}
    bindings = cel.bind(data)
    assert cel.compile('request.text.contains("forbidden")').evaluate(bindings) is True
    assert cel.compile("size(request.text)").evaluate(bindings) == 16


def test_many_null_results_do_not_corrupt_the_interpreter() -> None:
    """cel-expr-python's plain_value() under-counts None; guard must never call it."""
    import sys

    from guard.cel import available_engines, engine

    if "cel-expr-python" not in available_engines():
        return
    cel = engine("cel-expr-python")
    bindings = cel.bind({"identity": {"key": None}, "request": {"body": {"a": [None, 1]}},
                         "variables": {}, "findings": {}, "response": {}, "now": None})
    programs = [cel.compile("identity.key"), cel.compile("request.body")]
    before = sys.getrefcount(None)
    for _ in range(500):
        assert programs[0].evaluate(bindings) is None
        assert programs[1].evaluate(bindings) == {"a": [None, 1]}
    assert sys.getrefcount(None) >= before - 5
