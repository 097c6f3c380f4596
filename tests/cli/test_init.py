"""``guard init [DIR]``: a starter set that lints and tests clean as written, and never
overwrites anything."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from guard.cli.init import starter_files
from tests.cli.test_cli import guard

EXPECTED = {"policies.yaml", "policies_test.yaml", "requests/chat.json"}


def test_init_writes_a_set_that_lint_test_and_check_accept(tmp_path: Path) -> None:
    target = tmp_path / "new" / "policies"
    result = guard("init", str(target))
    assert result.returncode == 0, result.stderr
    written = {str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()}
    assert written == EXPECTED
    assert f"guard lint {target}" in result.stdout
    lint = guard("lint", str(target))
    assert lint.returncode == 0, lint.stderr
    tested = guard("test", str(target), "--coverage")
    assert tested.returncode == 0, tested.stdout
    assert "every policy exercised" in tested.stdout and "FAIL" not in tested.stdout
    check = guard("check", str(target), str(target / "requests" / "chat.json"))
    assert check.returncode == 0 and json.loads(check.stdout)["action"] == "modify"


def test_init_defaults_to_the_current_directory(tmp_path: Path) -> None:
    from guard.cli.main import main

    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert main(["init"]) == 0
    finally:
        os.chdir(cwd)
    assert (tmp_path / "policies.yaml").is_file()


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "requests").mkdir()
    (tmp_path / "requests" / "chat.json").write_text("mine")
    result = guard("init", str(tmp_path))
    assert result.returncode == 2
    assert "would overwrite requests/chat.json; nothing written" in result.stderr
    assert (tmp_path / "requests" / "chat.json").read_text() == "mine"
    assert not (tmp_path / "policies.yaml").exists()
    again = guard("init", str(tmp_path / "requests" / "chat.json"))
    assert again.returncode == 2 and "not a directory" in again.stderr


def test_init_twice_keeps_the_edited_files(tmp_path: Path) -> None:
    assert guard("init", str(tmp_path)).returncode == 0
    (tmp_path / "policies.yaml").write_text("version: 1\n")
    assert guard("init", str(tmp_path)).returncode == 2
    assert (tmp_path / "policies.yaml").read_text() == "version: 1\n"


def test_starter_files_are_commented_and_every_policy_has_a_case() -> None:
    files = starter_files()
    assert set(files) == EXPECTED
    policies = files["policies.yaml"].decode()
    assert sum(line.lstrip().startswith("#") for line in policies.splitlines()) >= 20
    names = [p["name"] for p in yaml.safe_load(policies)["policies"]]
    cases = yaml.safe_load(files["policies_test.yaml"])["cases"]
    fired = {name for case in cases for name in case["expect"].get("violations", [])}
    assert set(names) <= fired
