"""Suite-wide fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks import redis_cluster as clusters


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


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[clusters.Cluster]:
    """One Redis Cluster (3 primaries, 3 replicas) for the whole session: the store contract
    and the serve tests share it. A test that kills a node must leave the cluster whole."""
    if not clusters.available():
        pytest.skip(clusters.INSTALL_HINT)
    with clusters.redis_cluster(tmp_path_factory.mktemp("cluster")) as cluster:
        yield cluster
