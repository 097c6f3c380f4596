"""``guard test``: PASS/FAIL lines, differences, coverage, exit codes, broken files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from guard.cli.main import main

ROOT = Path(__file__).resolve().parents[2]

POLICIES = """version: 1
policies:
  - name: no-preview
    type: route
    deny: ["*-preview"]
  - name: short-answers
    type: rule
    deny_if: request.max_tokens != null && request.max_tokens > 100
    message: at most 100 tokens
  - name: eu-only
    type: rule
    when: '"x-team" in request.headers && request.headers["x-team"] == "eu"'
    deny_if: request.provider != "anthropic"
  - name: one-a-minute
    type: rate_limit
    per: identity.key
    requests: 1
    window: minute
identity:
  key: request.headers["authorization"]
"""

CASES = """cases:
  - name: a small request passes
    request: {model: openai/gpt-5-mini, max_tokens: 10, messages: [{role: user, content: hi}]}
    expect: {action: allow, status: 200, violations: []}
  - name: a large request is refused
    request: {model: openai/gpt-5-mini, max_tokens: 500, messages: [{role: user, content: hi}]}
    expect: {action: allow, violations: [], response_contains: [fine]}
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["test", *args])
    out, err = capsys.readouterr()
    return code, out, err


def write_set(directory: Path, cases: str = CASES, name: str = "set_test.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "policies.yaml").write_text(POLICIES)
    (directory / name).write_text(cases)
    return directory


def test_bundled_policies_pass_their_own_tests_with_full_coverage(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(ROOT / "policies"), "--coverage")
    assert code == 0, out
    assert "FAIL" not in out
    assert "every policy exercised" in out
    assert "never fired" not in out
    assert out.splitlines()[-1].startswith(f"{out.count('PASS  ')} passed in 6 files")


def test_a_failing_case_says_what_differs_and_what_fired(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_set(tmp_path)
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("PASS  ") and lines[0].endswith("set_test.yaml:2: a small "
                                                               "request passes")
    assert lines[1].startswith("FAIL  ") and lines[1].endswith(":5: a large request is refused")
    assert lines[2:6] == [
        "        action: expected allow, got deny 400 (short-answers)",
        "        violations: expected [], got [short-answers] (unexpected short-answers)",
        "        response does not contain 'fine'",
        "        fired: short-answers (deny)",
    ]
    assert lines[-1].startswith("1 passed, 1 failed in 1 file (")


def test_each_case_starts_from_a_fresh_store(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    case = ("  - name: {name}\n    headers: {{authorization: k}}\n"
            "    request: {{model: openai/gpt-5-mini, messages: [{{role: user, content: hi}}]}}\n"
            "    expect: {{action: allow}}\n")
    second = ("  - name: the second request in one case is limited\n    repeat: 2\n"
              "    headers: {authorization: k}\n"
              "    request: {model: openai/gpt-5-mini, messages: [{role: user, content: hi}]}\n"
              "    expect: {action: deny, status: 429, violations: [one-a-minute]}\n")
    cases = "cases:\n" + case.format(name="first") + case.format(name="again") + second
    write_set(tmp_path, cases)
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 0, out


def test_coverage_lists_policies_no_case_exercised(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    write_set(tmp_path, CASES.split("  - name: a large")[0])
    code, out, _ = run(capsys, str(tmp_path), "--coverage")
    assert code == 0
    assert f"coverage of {tmp_path} (4 policies): 1 not exercised: eu-only" in out
    assert "exercised but never fired: no-preview, short-answers, one-a-minute" in out


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_set(tmp_path)
    code, out, _ = run(capsys, str(tmp_path / "set_test.yaml"), "--json", "--coverage")
    assert code == 1
    report = json.loads(out)
    assert (report["ok"], report["passed"], report["failed"]) == (False, 1, 1)
    failed = report["cases"][1]
    assert (failed["line"], failed["action"], failed["status"]) == (5, "deny", 400)
    assert failed["violations"][0]["policy"] == "short-answers"
    assert failed["differences"][0].startswith("action: expected allow")
    assert report["coverage"][0]["unexercised"] == ["eu-only"]


@pytest.mark.parametrize(("cases", "expected"), [
    ("cases:\n  - name: x\n    request: {}\n    expect: {actoin: allow}\n",
     ":4: cases[0].expect.actoin: unknown key 'actoin'; did you mean 'action'?"),
    ("cases:\n  - name: x\n    request: {}\n    expect: {action: maybe}\n",
     ":4: cases[0].expect.action: expected one of allow, modify, deny"),
    ("cases:\n  - name: x\n    expect: {action: allow}\n",
     ":2: cases[0].request: required key is missing"),
    ("cases:\n  - name: x\n    request: {\n", ":4: invalid YAML"),
    ("cases: []\n", ":1: cases: List should have at least 1 item"),
    ("- a\n", ":1: a test file is a mapping with `cases:`"),
    ("cases:\n  - {name: x, request: {}, expect: {action: allow}}\n"
     "  - {name: x, request: {}, expect: {action: allow}}\n",
     ":3: cases[1].name: duplicate case name 'x' (first at line 2)"),
])
def test_a_broken_test_file_exits_2_at_its_line(tmp_path: Path, cases: str, expected: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    write_set(tmp_path, cases)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2
    assert out == ""
    assert any(line.startswith(f"{tmp_path}/set_test.yaml{expected}")
               for line in err.splitlines()), err


def test_problems_of_every_file_are_reported_before_anything_runs(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_set(tmp_path / "a", "cases:\n  - {name: x, request: {}, expect: {}}\n")
    write_set(tmp_path / "b", "cases:\n  - {name: x, request: {}, expect: {action: no}}\n")
    code, out, _ = run(capsys, str(tmp_path), "--json")
    assert code == 2
    problems = json.loads(out)["problems"]
    assert [(Path(p["file"]).parent.name, p["line"], p["path"]) for p in problems] == [
        ("a", 2, "cases[0].expect.action"), ("b", 2, "cases[0].expect.action")]


def test_no_test_files_and_a_broken_policy_set_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2 and "no *_test.yaml files" in err
    (tmp_path / "p.yaml").write_text("version: 1\npolicies:\n  - {name: a, type: rule}\n")
    (tmp_path / "p_test.yaml").write_text(CASES)
    code, _, err = run(capsys, str(tmp_path))
    assert code == 2
    assert f"{tmp_path}/p.yaml:3: policies[0].deny_if: required key is missing" in err


def test_test_files_are_not_read_as_policies(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    write_set(tmp_path)
    assert main(["lint", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("ok: 4 policies")
