"""``guard check --explain``: every policy in order, what its conditions read, no raw text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from guard.cli.main import main

POLICIES = """version: 1
variables: {is_eu: '"x-team" in request.headers && request.headers["x-team"] == "eu"'}
policies:
  - name: eu-to-anthropic
    type: route
    when: variables.is_eu
    set_model: 'request.provider == "anthropic" ? "" : "anthropic/claude-sonnet-4-6"'
  - name: keyed
    type: rule
    when: '"authorization" in request.headers && request.headers["authorization"] != ""'
    deny_if: request.text.contains("forbidden") || request.body.user == "blocked"
  - {name: secrets, type: content, detect: {secrets: true}, action: redact}
  - name: never
    type: rule
    when: request.model == "nothing"
    deny_if: "true"
"""
SECRET = "ghp_R4nd0mF4k3T0k3nF0rGu4rdD3m0n57r4t10n"
BODY = {"model": "openai/gpt-5-mini", "user": "alice",
        "messages": [{"role": "user", "content": f"use {SECRET} please"}]}


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "p.yaml").write_text(POLICIES)
    request = tmp_path / "r.json"
    request.write_text(json.dumps(BODY))
    return tmp_path / "p.yaml", request


def check(capsys: pytest.CaptureFixture[str], setup: tuple[Path, Path],
          *args: str) -> tuple[int, str]:
    code = main(["check", "-p", str(setup[0]), str(setup[1]), "-H", "x-team: eu",
                 "-H", "Authorization: Bearer sk-live-123", "--explain", *args])
    return code, capsys.readouterr().out


def test_text_shows_every_policy_with_its_conditions_detail_verdict_and_time(
        setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(capsys, setup, "--format", "text")
    assert code == 0
    section = out.split("policies, in the order they ran:\n")[1].split("request forwarded")[0]
    lines = section.splitlines()
    assert lines[0] == "  1. [input] eu-to-anthropic (route, enforce)"
    assert lines[1] == "       when: variables.is_eu -> true  (read: variables.is_eu = true)"
    assert lines[2].startswith('       set_model: request.provider == "anthropic" ? "" : '
                               '"anthropic/claude-sonnet-4-6" -> "anthropic/claude-sonnet-4-6"'
                               '  (read: request.provider = "openai")')
    assert lines[3] == '       found: {"model": "anthropic/claude-sonnet-4-6"}'
    assert lines[4].startswith("       did: modify in ") and lines[4].endswith(" ms")
    assert lines[6] == ('       when: "authorization" in request.headers && '
                        'request.headers["authorization"] != "" -> true  '
                        '(read: request.headers = <map of 2>, '
                        'request.headers["authorization"] = <hidden>)')
    assert "request.text = <text of 57 chars>" in lines[7]
    assert "request.body.user = <text of 5 chars>" in lines[7]
    assert lines[9] == "  3. [input] secrets (content, enforce)"
    assert lines[10] == "       when: always"
    assert lines[-2] == ('       when: request.model == "nothing" -> false  '
                         '(read: request.model = "anthropic/claude-sonnet-4-6")')
    assert lines[-1].startswith("       did: skipped in ")


def test_conditions_never_show_raw_text_or_secret_headers(
        setup: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    _, out = check(capsys, setup, "--json")
    trace: list[dict[str, Any]] = json.loads(out)["trace"]
    assert [t["policy"] for t in trace] == ["eu-to-anthropic", "keyed", "secrets", "never"]
    conditions = json.dumps([t["conditions"] for t in trace])
    for raw in (SECRET, "sk-live-123", "alice", "please"):
        assert raw not in conditions
    assert trace[1]["conditions"]["deny_if"]["result"] == "false"
    assert trace[3]["conditions"]["when"]["result"] == "false"


def test_a_condition_that_fails_is_shown_with_its_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p.yaml").write_text("version: 1\npolicies:\n  - name: team\n    type: rule\n"
                                     "    on_error: allow\n"
                                     "    when: request.headers[\"x-team\"] == \"eu\"\n"
                                     "    deny_if: \"true\"\n")
    (tmp_path / "r.json").write_text(json.dumps(BODY))
    code = main(["check", "-p", str(tmp_path), str(tmp_path / "r.json"), "--explain",
                 "--format", "text"])
    out = capsys.readouterr().out
    assert code == 0
    when = next(line for line in out.splitlines() if "when:" in line)
    assert '-> error: ' in when and '(read: request.headers["x-team"] = (absent))' in when
    assert "did: error in " in out
