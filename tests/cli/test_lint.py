"""``guard lint`` reports every mistake of a set in one run, errors and warnings apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1].parent
MISTAKES = Path(__file__).resolve().parent / "mistakes"

# (file, line, key path, severity, part of the message): every mistake of tests/cli/mistakes
EXPECTED = [
    ("00-settings.yaml", 4, "settings.mode", "error", "expected one of enforce, monitor"),
    ("00-settings.yaml", 6, "settings.decison_log", "error", "did you mean 'decision_log'"),
    ("00-settings.yaml", 8, "identity.usr", "error", "did you mean 'user'"),
    ("00-settings.yaml", 10, "identity.key", "error", "did you mean 'headers'"),
    ("00-settings.yaml", 13, "variables.bad", "error", "did you mean 'model'"),
    ("00-settings.yaml", 14, "variables.bad-name", "error", "should match pattern"),
    ("10-pii.yaml", 5, "policies[0].entities[0]", "error", "did you mean 'EMAIL_ADDRESS'"),
    ("10-pii.yaml", 5, "policies[0].entities[2]", "error", "did you mean 'CREDIT_CARD'"),
    ("10-pii.yaml", 6, "policies[0].action", "error", "expected one of redact"),
    ("10-pii.yaml", 7, "policies[0].when", "error", "to compare, write `==`"),
    ("10-pii.yaml", 10, "policies[1].entities[0]", "error", "settings.pii.nlp_model"),
    ("10-pii.yaml", 13, "policies[1].recognizers[0].patterns[0]", "error", "lookahead"),
    ("10-pii.yaml", 14, "policies[1].min_score", "error", "less than or equal to 1"),
    ("20-rules.yaml", 5, "policies[0].deny_if", "error", "expected a bool, but this "
     "expression gives a string"),
    ("20-rules.yaml", 6, "policies[0].unknown_key", "error", "unknown key 'unknown_key'"),
    ("20-rules.yaml", 7, "policies[1].name", "error", "duplicate policy name 'dup'"),
    ("20-rules.yaml", 9, "policies[1].deny_if", "warning",
     "`has(request.body.temperature) && request.body.temperature > 1`"),
    ("20-rules.yaml", 12, "policies[2].deny_if", "error", "unknown field 'usr' of identity"),
    ("20-rules.yaml", 13, "policies[2].when", "error", "unknown field 'mesages'"),
    ("20-rules.yaml", 13, "policies[2].when", "error", "unknown field 'modle'"),
    ("20-rules.yaml", 15, "policies[3].type", "error", "did you mean 'rate_limit'"),
    ("20-rules.yaml", 16, "policies[3].per", "error", "unknown field 'kee' of identity"),
    ("20-rules.yaml", 23, "policies[4].detect.patterns[0].regex", "error", "lookbehind"),
    ("20-rules.yaml", 24, "policies[4].detect.patterns[1].regex", "error", "missing )"),
    ("20-rules.yaml", 25, "policies[4].action", "error", "expected one of block"),
    ("20-rules.yaml", 26, "policies[5]", "error", "set exactly one of `limit_usd`"),
    ("20-rules.yaml", 29, "policies[5].window", "error", "expected one of minute"),
    ("20-rules.yaml", 34, "policies[6].deny_if", "error",
     "`&&` needs a bool, but `request.model` is a string"),
    ("20-rules.yaml", 35, "policies[6].status", "error", "greater than or equal to 400"),
]


def guard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "guard.cli.main", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)


def test_every_mistake_of_a_set_is_reported_in_one_run() -> None:
    result = guard("lint", "--json", str(MISTAKES))
    assert result.returncode == 2, result.stderr
    report = json.loads(result.stdout)
    got = [(Path(p["file"]).name, p["line"], p["path"], p["severity"], p["message"])
           for p in report["problems"]]
    assert len(got) == len(EXPECTED), "\n".join(map(str, got))
    for (file, line, path, severity, part), found in zip(EXPECTED, got, strict=True):
        assert found[:4] == (file, line, path, severity)
        assert part in found[4], found
    assert (report["errors"], report["warnings"]) == (28, 1)


def test_text_output_marks_warnings_and_counts_both() -> None:
    result = guard("lint", str(MISTAKES))
    lines = result.stderr.splitlines()
    assert result.returncode == 2
    assert sum(": warning: " in line for line in lines) == 1
    assert lines[-1] == "28 error(s), 1 warning(s)"
    assert all(line.startswith(str(MISTAKES)) for line in lines[:-1])


def test_warnings_alone_exit_0_and_1_under_strict(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "version: 1\npolicies:\n  - name: hot\n    type: rule\n"
        "    deny_if: request.body.temperature > 1\n")
    plain = guard("lint", str(tmp_path))
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.startswith("ok: 1 policies")
    assert f"{tmp_path}/p.yaml:5: policies[0].deny_if: warning: " in plain.stderr
    assert "0 error(s), 1 warning(s)" in plain.stderr
    assert guard("lint", "--strict", str(tmp_path)).returncode == 1
    report = json.loads(guard("lint", "--json", str(tmp_path)).stdout)
    assert report["ok"] is True and report["warnings"] == 1
    assert report["problems"][0]["severity"] == "warning"


def test_bundled_policies_have_no_warnings() -> None:
    result = guard("lint", "--strict", str(ROOT / "policies"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
