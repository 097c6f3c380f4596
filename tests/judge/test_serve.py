"""Under ``guard serve`` the upstream is the judge, and a judge call is never guarded again."""

from __future__ import annotations

from pathlib import Path

import httpx

from guard.serve.app import build_app
from tests.judge.stand_in import JudgeState
from tests.serve.servers import running

POLICIES = """version: 1
settings: {store: "memory://", decision_log: none}
policies:
  - name: contacts
    type: pii
    entities: [EMAIL_ADDRESS]
  - name: judge
    type: llm
    prompt: Flag the word FLAG.
    model: openai/gpt-5-mini
    action: block
    message: judged unacceptable
"""


def test_serve_judges_through_the_upstream_without_recursion(
        tmp_path: Path, judge: tuple[str, JudgeState]) -> None:
    upstream, state = judge
    policies = tmp_path / "p.yaml"
    policies.write_text(POLICIES)  # no settings.llm.endpoint: the upstream is the default
    with running(build_app(policies, upstream)) as url:
        ok = httpx.post(f"{url}/v1/chat/completions", timeout=10, json={
            "model": "openai/gpt-5-mini",
            "messages": [{"role": "user", "content": "hello jane@example.com"}]})
        blocked = httpx.post(f"{url}/v1/chat/completions", timeout=10, json={
            "model": "openai/gpt-5-mini", "messages": [{"role": "user", "content": "FLAG"}]})
    assert ok.status_code == 200 and ok.json()["choices"][0]["message"]["content"]
    assert blocked.status_code == 400
    assert blocked.json()["error"]["message"] == "judged unacceptable"
    # one judge call per request, straight to the upstream (a guarded judge call would
    # have been judged in turn); only the allowed request was forwarded
    assert state.texts() == ["hello <EMAIL_ADDRESS>", "FLAG"]
    assert state.upstream_calls == 1
