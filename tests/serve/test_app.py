"""``build_app``: what it checks before it serves."""

from __future__ import annotations

from pathlib import Path

import pytest

from guard.errors import CheckError
from guard.serve.app import build_app

POLICIES = """version: 1
settings: {{store: "memory://", decision_log: "{log}", pii: {{hash_key_env: {env}}}}}
identity: {{user: request.body.user}}
policies:
  - {{name: models, type: route, allow: ["openai/*"]}}
"""


def test_a_short_hash_key_stops_start_up_when_a_decision_log_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_TEST_SHORT_KEY", "short")  # a name of its own: keys are cached
    (tmp_path / "p.yaml").write_text(POLICIES.format(log=f"file:{tmp_path / 'd.jsonl'}",
                                                     env="APP_TEST_SHORT_KEY"))
    with pytest.raises(CheckError, match="shorter than 16 bytes"):
        build_app(tmp_path / "p.yaml", "http://127.0.0.1:9")


def test_without_a_decision_log_the_key_is_not_needed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_TEST_UNUSED_KEY", "short")
    (tmp_path / "p.yaml").write_text(POLICIES.format(log="none", env="APP_TEST_UNUSED_KEY"))
    assert build_app(tmp_path / "p.yaml", "http://127.0.0.1:9") is not None
