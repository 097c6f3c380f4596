"""The ``guard`` command as a user runs it: real subprocesses, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
REQUESTS = POLICIES / "requests"


def guard(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "guard.cli.main", *args], capture_output=True,
                          text=True, input=stdin, cwd=ROOT, timeout=60)


def test_lint_bundled_policies_is_clean() -> None:
    result = guard("lint", str(POLICIES))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")


def test_lint_reports_all_problems_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\npolicies:\n  - name: x\n    type: rule\n"
                                     "    deny_if: 'size(request.mesages) > 1'\n"
                                     "  - name: y\n    type: route\n    alow: []\n")
    result = guard("lint", str(tmp_path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{tmp_path}/a.yaml:5: policies[0].deny_if: invalid CEL")
    assert lines[1] == f"{tmp_path}/a.yaml:8: policies[1].alow: unknown key 'alow'; " \
                       "did you mean 'allow'?"
    assert lines[2] == "2 error(s), 0 warning(s)"


def test_lint_accepts_the_injection_judge_and_the_tool_threshold(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "version: 1\nsettings:\n  llm: {endpoint: 'https://judge.example/v1'}\npolicies:\n"
        "  - {name: j, type: llm, template: prompt_injection, model: m, action: block}\n"
        "  - {name: c, type: content, detect: {prompt_injection: true, "
        "injection_threshold_tool: 0.5}}\n")
    result = guard("lint", str(tmp_path))
    assert result.returncode == 0, result.stderr


def test_lint_json(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\nsettings: {mode: x}\n")
    result = guard("lint", "--json", str(tmp_path))
    assert result.returncode == 2
    [problem] = json.loads(result.stdout)["problems"]
    assert (problem["line"], problem["path"]) == (2, "settings.mode")


def test_check_allowed_request_prints_contract_json_when_piped() -> None:
    result = guard("check", "-p", str(POLICIES), str(REQUESTS / "chat_allowed.json"))
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["action"] == "modify" and decision["status"] == 200
    assert [v["policy"] for v in decision["violations"]] == ["approved-models"]
    original = json.loads((REQUESTS / "chat_allowed.json").read_text())
    assert decision["request"] == {**original, "fallback_models": ["anthropic/claude-sonnet-4-6"]}
    assert decision["response"] is None
    assert len(decision["decision_id"]) == 36


def test_check_denied_request_exits_1_with_the_error_body() -> None:
    result = guard("check", "-p", str(POLICIES), str(REQUESTS / "chat_denied_model.json"))
    assert result.returncode == 1
    decision = json.loads(result.stdout)
    assert (decision["action"], decision["status"]) == ("deny", 403)
    assert decision["violations"][0]["policy"] == "approved-models"
    assert decision["request"] is None
    assert decision["response"]["error"]["code"] == "approved-models"


def test_check_alias_from_stdin_with_headers_and_text_format() -> None:
    body = (REQUESTS / "chat_alias.json").read_text()
    result = guard("check", "-p", str(POLICIES), "-", "-H", "X-Team: eu", "--format", "text",
                   stdin=body)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("MODIFY  status 200")
    assert "anthropic/claude-sonnet-4-6" in result.stdout


def test_check_with_response_runs_the_output_stage(tmp_path: Path) -> None:
    response = tmp_path / "r.json"
    response.write_text(json.dumps({"choices": [{"message": {"content": "hi"}}]}))
    result = guard("check", "-p", str(POLICIES), str(REQUESTS / "chat_allowed.json"),
                   "--response", str(response), "--json")
    assert json.loads(result.stdout)["response"] == {"choices": [{"message": {"content": "hi"}}]}


def test_check_request_that_is_not_json_is_an_input_error_exit_2(tmp_path: Path) -> None:
    """Exit 1 means "denied": a file that is no request at all is the caller's error. The
    decision is still printed: it is what the proxy would answer (complete mediation)."""
    result = guard("check", "-p", str(POLICIES), "-", stdin="{oops")
    assert result.returncode == 2
    assert result.stderr.startswith("guard: standard input is not JSON: ")
    assert "Traceback" not in result.stderr
    decision = json.loads(result.stdout)
    assert (decision["action"], decision["status"]) == ("deny", 400)
    assert "not valid JSON" in decision["response"]["error"]["message"]
    for content in (b"model: gpt-5\n", b"\xff\xfe\x00garbage", b'{"model": "x"'):
        request = tmp_path / "r.json"
        request.write_bytes(content)
        result = guard("check", str(POLICIES), str(request))
        assert result.returncode == 2, content
        assert f"guard: {request} is not JSON" in result.stderr


def test_check_json_guard_refuses_is_still_a_denial() -> None:
    """Valid JSON that is no valid request (a string, a bad field) is guard's 400: exit 1."""
    result = guard("check", "-p", str(POLICIES), "-", stdin='"hello"')
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["status"] == 400


def test_check_non_json_body_a_set_lets_through_is_no_error(tmp_path: Path) -> None:
    policies = tmp_path / "p.yaml"
    policies.write_text('version: 1\nsettings: {passthrough: ["POST /v1/audio/transcriptions"]'
                        ', decision_log: none}\npolicies: []\n')
    result = guard("check", str(policies), "-", "--path", "/v1/audio/transcriptions",
                   stdin="--boundary\r\nnot json\r\n")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["action"] == "allow"


def test_check_empty_body_is_left_to_guard() -> None:
    result = guard("check", str(POLICIES), "-", "-X", "GET", "--path", "/v1/models", stdin="")
    assert result.returncode in (0, 1) and "not JSON" not in result.stderr
    json.loads(result.stdout)


def test_check_missing_file_and_bad_policies_exit_2(tmp_path: Path) -> None:
    missing = guard("check", "-p", str(POLICIES), str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    broken = guard("check", "-p", str(tmp_path), "-", stdin="{}")
    assert broken.returncode == 2 and "Traceback" not in broken.stderr


def test_schema_is_json_schema_with_descriptions() -> None:
    result = guard("schema")
    assert result.returncode == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "PolicyFile"
    assert "RulePolicy" in schema["$defs"]
    assert schema["$defs"]["RulePolicy"]["properties"]["deny_if"]["description"]
