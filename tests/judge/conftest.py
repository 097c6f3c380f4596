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
    """This test's base URL (its own path prefix) and a fresh record of its calls.

    Calls made under an earlier test's prefix (one it cancelled, arriving late)
    are answered but not recorded here.
    """
    url, state = judge_server
    state.reset()
    yield f"{url}/{state.run}", state
    state.reset()
