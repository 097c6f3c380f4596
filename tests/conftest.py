"""Suite-wide fixtures."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Budgets and rate limits of the bundled policies count in memory, per test.

    Without this they would share ``.guard/state.db`` across tests and runs.
    """
    monkeypatch.setenv("GUARD_STORE", "memory://")


@pytest.fixture(autouse=True)
def _test_hash_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed deployment hash key, so no test writes ``.guard/hash.key`` into the tree."""
    monkeypatch.setenv("GUARD_HASH_KEY", "test-deployment-key-0123456789")
