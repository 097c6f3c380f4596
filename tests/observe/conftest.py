"""Fixtures of the observability tests: a Guard with every enforced policy type."""

from __future__ import annotations

import pytest

from guard import Guard
from tests.observe.traffic import POLICIES


@pytest.fixture
def guard() -> Guard:
    return Guard.from_yaml(POLICIES)
