"""How much the fuzzing harness tries, and what it always tries first.

Every fuzz test runs in the normal suite with a bounded number of examples, so the whole
harness stays well within a minute; ``GUARD_FUZZ_EXAMPLES`` raises the count for a long
local run. No example may depend on time: there is no deadline.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from hypothesis import HealthCheck, example, settings

from tests.fuzz.answers import known
from tests.fuzz.bodies import SHAPES, Request

EXAMPLES = int(os.environ.get("GUARD_FUZZ_EXAMPLES", "0"))
FUZZ = settings(deadline=None, derandomize=not EXAMPLES, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])
"""In the suite the examples are the same every run (derandomized: a failure is never luck);
a long run (``GUARD_FUZZ_EXAMPLES=5000``) draws fresh ones."""


def examples(default: int) -> settings:
    return settings(FUZZ, max_examples=EXAMPLES or default)


def known_examples(test: Callable[..., None]) -> Callable[..., None]:
    """``test`` tried on :func:`~tests.fuzz.answers.known` exchanges first."""
    for drawn in known():
        test = example(drawn=drawn)(test)
    return test


DEEP = Request(SHAPES[0], SHAPES[0].paths[0],
               b'{"model": "m", "messages": [], "x": ' + b"[" * 100 + b"1" + b"]" * 100 + b"}",
               None, False)
"""A body JSON parses but nested deeper than guard walks (it once escaped as a 500)."""
