"""Suite-wide fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Budgets and rate limits of the bundled policies count in memory, per test.

    Without this they would share ``.guard/state.db`` across tests and runs.
    """
    monkeypatch.setenv("GUARD_STORE", "memory://")
