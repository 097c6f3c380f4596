"""One stand-in judge server for the judge tests (uvicorn on loopback, in a thread)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.judge.stand_in import JudgeState, judge_app
from tests.serve.servers import running


@pytest.fixture(scope="session")
def judge_server() -> Iterator[tuple[str, JudgeState]]:
    state = JudgeState()
    with running(judge_app(state)) as url:
        yield url, state


@pytest.fixture
def judge(judge_server: tuple[str, JudgeState]) -> Iterator[tuple[str, JudgeState]]:
    """The server's URL and a freshly reset record of its calls."""
    judge_server[1].reset()
    yield judge_server
    judge_server[1].reset()
