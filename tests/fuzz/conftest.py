"""The fuzzing harness's stacks, started once per module (see :mod:`tests.fuzz.budget` for
how many examples each test runs)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fuzz.harness import Stack, middleware_stack, serve_stack


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with serve_stack(tmp_path_factory.mktemp("fuzz")) as stack:
        yield stack


@pytest.fixture(scope="module")
def middleware() -> Iterator[Stack]:
    with middleware_stack() as stack:
        yield stack
