"""The decision log of streamed and blocked answers, through the real SDKs.

Every streamed call gets exactly one line, marked as a stream, whose policies include the
output stage (a ``content`` policy that flags a word the stand-in streams) and whose status
is the one the caller got; a JSON answer an output ``block`` policy refused is logged with
the 400 the caller got, not the upstream's 200.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from guard.serve.app import build_app
from tests.serve.answer_stand_in import TEXT, Variant, build
from tests.serve.answer_variants import JSON_TYPE, chat_json
from tests.serve.sdk_streams import API_NAMES, CALLS, streams
from tests.serve.servers import running

POLICIES = """version: 1
settings: {store: "memory://", decision_log: "file:LOG"}
policies:
  - name: card-word
    type: content
    stages: [output]
    detect: {keywords: ["card"]}
    action: flag
  - name: no-zeus
    type: content
    stages: [output]
    detect: {keywords: ["project zeus"]}
    message: "the answer named a code name"
"""
ZEUS = Variant("json.zeus", "chat", json.dumps(chat_json(
    content="The plan is project zeus.")).encode(), JSON_TYPE)
assert "card" in TEXT


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Each SDK's streamed call, twice, and one blocked JSON answer; then the log's lines
    (read once the server has stopped: every exchange has ended and been written)."""
    folder = tmp_path_factory.mktemp("log")
    log = folder / "decisions.jsonl"
    policies = folder / "p.yaml"
    policies.write_text(POLICIES.replace("LOG", str(log)))
    variants = {**streams((11, 7)), ZEUS.name: ZEUS}
    texts: dict[str, list[str]] = {}
    with running(build(variants)) as upstream, running(build_app(policies, upstream)) as url:
        for api, call in sorted(CALLS.items()):
            texts[api] = [call(url, f"stream.{api}", 50) for _ in range(2)]
        with openai.OpenAI(base_url=url + "/v1", api_key="k", max_retries=0) as client, \
                pytest.raises(openai.BadRequestError, match="code name") as blocked:
            client.chat.completions.create(model="gpt-4o-mini", extra_headers={
                "x-variant": ZEUS.name}, messages=[{"role": "user", "content": "plans?"}])
    yield {"lines": [json.loads(line) for line in _lines(log)], "texts": texts,
           "blocked": blocked.value}


def _lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def streamed_lines(logged: dict[str, Any], api: str) -> list[dict[str, Any]]:
    """The lines of ``api``'s streamed calls (the last line is the blocked JSON call's)."""
    return [line for line in logged["lines"][:-1] if line["api"] == API_NAMES[api]]


def test_every_streamed_call_has_exactly_one_line_with_the_status_it_got(
        logged: dict[str, Any]) -> None:
    lines = logged["lines"]
    assert len(lines) == 2 * len(CALLS) + 1  # one per call, no more
    assert len({line["decision_id"] for line in lines}) == len(lines)
    for api in CALLS:
        assert all(text.startswith("Write to ") for text in logged["texts"][api])
        mine = streamed_lines(logged, api)
        assert len(mine) == 2, (api, [line["api"] for line in lines])
        assert [line["status"] for line in mine] == [200, 200]  # what the caller got
        for line in mine:
            assert any(v["policy"] == "card-word" and v["stage"] == "output"
                       and v["action"] == "flag" for v in line["violations"]), line


def test_a_streamed_calls_line_says_it_was_a_stream(logged: dict[str, Any]) -> None:
    for api in CALLS:
        assert [line["stream"] for line in streamed_lines(logged, api)] == [True, True], api


def test_a_streamed_calls_policies_include_the_output_stage(logged: dict[str, Any]) -> None:
    for api in CALLS:
        for line in streamed_lines(logged, api):
            fired = [p for p in line["policies"]
                     if p["policy"] == "card-word" and p["stage"] == "output"]
            assert fired and fired[0]["verdict"] == "flag", (api, line["policies"])
            assert fired[0].get("detectors") == ["keyword"], fired


def test_a_blocked_json_answer_is_logged_with_the_status_the_caller_got(
        logged: dict[str, Any]) -> None:
    assert logged["blocked"].status_code == 400
    line = logged["lines"][-1]  # the last call made
    assert line["api"] == "openai.chat" and line["action"] == "deny", line
    assert line["status"] == 400, line
    zeus = [p for p in line["policies"] if p["policy"] == "no-zeus"]
    assert zeus and zeus[0]["stage"] == "output" and zeus[0]["verdict"] == "deny"
