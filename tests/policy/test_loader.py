"""Loading policy sets: every problem at once, each at the offending key's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from guard.errors import PolicyError
from guard.policy.loader import load_policy_set, load_policy_text


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text)
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(PolicyError) as info:
        load_policy_set(path)
    return [str(p) for p in info.value.problems]


def test_valid_file_loads_every_policy_in_order(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", """
version: 1
settings: {mode: monitor, store: "memory://"}
identity: {user: request.body.user}
variables: {big: request.tokens > 1000}
policies:
  - {name: models, type: route, allow: ["openai/*"]}
  - {name: small, type: rule, deny_if: "variables.big", message: too big}
""")
    policies = load_policy_set(path)
    assert [e.policy.name for e in policies.policies] == ["models", "small"]
    assert policies.settings.mode == "monitor"
    assert policies.identity.user == "request.body.user"
    assert list(policies.variables) == ["big"]
    assert len(policies.revision) == 12


def test_errors_of_all_files_are_reported_together_with_key_lines(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", """version: 1
settings:
  mode: monitr
policies:
  - name: models
    type: route
    alow: ["openai/*"]
""")
    write(tmp_path, "b.yaml", """version: 1
policies:
  - name: x
    type: nope
  - name: p
    type: pii
    action: blok
""")
    assert problems_of(tmp_path) == [
        f"{tmp_path}/a.yaml:3: settings.mode: expected one of enforce, monitor",
        f"{tmp_path}/a.yaml:7: policies[0].alow: unknown key 'alow'; did you mean 'allow'?",
        f"{tmp_path}/b.yaml:4: policies[0].type: unknown policy type 'nope'; expected one of "
        "route, pii, content, budget, rate_limit, llm, rule, tools",
        f"{tmp_path}/b.yaml:7: policies[1].action: expected one of redact, mask, hash, "
        "replace, pseudonymize, block, flag",
    ]


def test_a_key_valid_elsewhere_is_pointed_to_its_place(tmp_path: Path) -> None:
    """A key in the wrong place is named with where it belongs, not "did you mean" itself."""
    write(tmp_path, "a.yaml", """version: 1
policies:
  - name: r
    type: rule
    allow: [x]
    deny_if: "true"
  - name: c
    type: content
    secrets: true
    detect:
      secrets: true
      stages: [input]
    action: redact
""")
    assert problems_of(tmp_path) == [
        f"{tmp_path}/a.yaml:5: policies[0].allow: unknown key 'allow' for type 'rule'",
        f"{tmp_path}/a.yaml:9: policies[1].secrets: unknown key 'secrets' here; it is a key "
        "of 'detect'",
        f"{tmp_path}/a.yaml:12: policies[1].detect.stages: unknown key 'stages' here; it is a "
        "key of each item of 'policies'",
    ]


def test_duplicate_policy_names_across_files_name_both_places(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 1\npolicies:\n  - {name: r, type: rule, deny_if: 'true'}\n")
    write(tmp_path, "b.yaml", "version: 1\npolicies:\n\n  - name: r\n    type: rule\n"
          "    deny_if: 'false'\n")
    assert problems_of(tmp_path) == [
        f"{tmp_path}/b.yaml:4: policies[0].name: duplicate policy name 'r', first defined "
        f"at {tmp_path}/a.yaml:3"
    ]


def test_settings_in_two_files_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "version: 1\nsettings: {mode: monitor}\n")
    write(tmp_path, "b.yaml", "version: 1\n\nsettings: {}\n")
    [problem] = problems_of(tmp_path)
    assert problem.startswith(f"{tmp_path}/b.yaml:3: settings: at most one file")
    assert "a.yaml:2" in problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("version: 1\npolicies:\n  - name: a\n    type: rule\n", "p.yaml:3: policies[0].deny_if: "
         "required key is missing"),
        ("version: 2\n", "p.yaml:1: version: expected one of 1"),
        ("policies: []\n", "p.yaml:1: version: required key is missing"),
        ("version: 1\npolicies: {a: 1}\n", "p.yaml:2: policies: expected a list of policies"),
        ("- 1\n- 2\n", "p.yaml:1: a policy file must be a mapping"),
        ("version: 1\npolicies:\n  - [oops\n", "p.yaml:4: invalid YAML"),
        ("version: 1\nversion: 1\n", "p.yaml:2: version: duplicate key (first at line 1)"),
        ("version: 1\npolicies:\n  - name: a\n    type: budget\n    per: identity.team\n"
         "    window: day\n", "p.yaml:3: policies[0]: set exactly one of `limit_usd`"),
        ("version: 1\npolicies:\n  - name: a\n    type: rule\n    deny_if: 'true'\n"
         "    status: '400x'\n", "p.yaml:6: policies[0].status: Input should be a valid integer"),
        ("version: 1\nsettings:\n  store: postgres://x\n", "p.yaml:3: settings.store: expected "
         "a URL"),
        ("version: 1\npolicies:\n  - name: a\n", "p.yaml:3: policies[0]: `type` is required"),
    ],
)
def test_each_kind_of_mistake_has_a_located_message(tmp_path: Path, text: str,
                                                     expected: str) -> None:
    path = write(tmp_path, "p.yaml", text)
    problems = problems_of(path)
    assert any(p.startswith(f"{tmp_path}/{expected}") for p in problems), problems


def test_missing_path_and_empty_directory(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nope") == [f"{tmp_path}/nope: no such file or directory"]
    assert problems_of(tmp_path) == [f"{tmp_path}: no *.yaml or *.yml policy files here"]


def test_test_files_beside_policies_are_not_policies(tmp_path: Path) -> None:
    write(tmp_path, "p.yaml", "version: 1\n")
    write(tmp_path, "p_test.yaml", "cases: []\n")
    assert load_policy_set(tmp_path).policies == []


def test_load_from_text() -> None:
    text = "version: 1\npolicies:\n  - {name: a, type: rule, deny_if: 'true'}\n"
    policies = load_policy_text(text)
    assert policies.policies[0].policy.name == "a"


BOMB = """version: 1
policies:
  - name: laughs
    type: rule
    deny_if: "false"
    description: x
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_an_alias_bomb_is_a_problem_at_its_line_not_unbounded_memory(tmp_path: Path) -> None:
    import tracemalloc

    path = write(tmp_path, "bomb.yaml", BOMB)
    tracemalloc.start()
    try:
        found = problems_of(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(found) == 1 and "more than 1000 uses of YAML aliases" in found[0]
    line = int(found[0].split(":")[1])
    assert found[0].startswith(f"{path}:") and 9 <= line <= 15
    assert peak < 50 * 1024 * 1024  # the expansion would be ~10⁸ nodes


def test_a_recursive_alias_is_a_problem_too() -> None:
    with pytest.raises(PolicyError, match="alias"):
        load_policy_text("version: 1\nx: &x [1, *x]\npolicies: []\n")


def test_a_few_aliases_still_work() -> None:
    text = """version: 1
policies:
  - {name: one, type: route, allow: &models ["openai/*", "anthropic/*"]}
  - {name: two, type: route, allow: *models, when: "request.stream"}
"""
    assert [e.policy.name for e in load_policy_text(text).policies] == ["one", "two"]


def test_a_policy_file_over_the_size_limit_is_a_problem(tmp_path: Path) -> None:
    from guard.policy.source import MAX_FILE_BYTES

    padding = "# " + "x" * 1000 + "\n"
    path = write(tmp_path, "big.yaml", "version: 1\n" + padding * (MAX_FILE_BYTES // 1000))
    [found] = problems_of(path)
    assert found.startswith(f"{path}:1: ") and f"at most {MAX_FILE_BYTES}" in found
    with pytest.raises(PolicyError, match="at most"):
        load_policy_text(path.read_text())


def test_lint_and_guard_from_path_report_the_bomb(tmp_path: Path) -> None:
    import subprocess
    import sys

    from guard import Guard

    path = write(tmp_path, "bomb.yaml", BOMB)
    with pytest.raises(PolicyError, match="aliases"):
        Guard.from_path(path)
    done = subprocess.run([sys.executable, "-m", "guard.cli.main", "lint", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and f"{path}:" in done.stderr + done.stdout
    assert "aliases" in done.stderr + done.stdout


@pytest.mark.parametrize("store", ["redis+cluster://h1:7000,h2:7000",
                                   "rediss+sentinel://s1:26379/guard/0"])
def test_cluster_and_sentinel_stores_are_accepted(tmp_path: Path, store: str) -> None:
    path = write(tmp_path, "p.yaml", f"version: 1\nsettings:\n  store: \"{store}\"\n")
    assert load_policy_set(path).settings.store == store
