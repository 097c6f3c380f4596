"""The fuzzing harness's stacks (started once per module) and its example budget.

Every fuzz test runs in the normal suite with a bounded number of examples, so the whole
harness stays within about a minute; ``GUARD_FUZZ_EXAMPLES`` raises the count for a long
local run. No example may depend on time: there is no deadline.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.fuzz.harness import Stack, middleware_stack, serve_stack

EXAMPLES = int(os.environ.get("GUARD_FUZZ_EXAMPLES", "0"))
FUZZ = settings(deadline=None, derandomize=not EXAMPLES, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])
"""In the suite the examples are the same every run (derandomized: a failure is never luck);
a long run (``GUARD_FUZZ_EXAMPLES=5000``) draws fresh ones."""


def examples(default: int) -> settings:
    return settings(FUZZ, max_examples=EXAMPLES or default)


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with serve_stack(tmp_path_factory.mktemp("fuzz")) as stack:
        yield stack


@pytest.fixture(scope="module")
def middleware() -> Iterator[Stack]:
    with middleware_stack() as stack:
        yield stack
