"""One fixture per backend, so every contract test runs against memory, SQLite, one Redis
a Redis Cluster, and that one Redis found through a Sentinel.

Redis is a real ``redis-server`` started once per session on a free loopback port, and the
cluster six of them (3 primaries, 3 replicas), also once per session; where the binaries
are missing those cases skip and say how to install them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from benchmarks import redis_cluster as clusters
from benchmarks.redis_server import INSTALL_HINT, available, redis_sentinel, redis_server
from guard.stores import Store, store_from_url

BACKENDS = ["memory", "sqlite", "redis", "cluster", "sentinel"]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not available():
        pytest.skip(INSTALL_HINT)
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def sentinel_url(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Sentinel watching the session's Redis: the store finds the primary through it."""
    with redis_sentinel(tmp_path_factory.mktemp("sentinel"), redis_url) as url:
        yield url


def backend_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh store of ``backend`` (Redis: the session's server)."""
    if backend == "redis":
        url: str = request.getfixturevalue("redis_url")
        return url
    if backend == "sentinel":
        sentinel: str = request.getfixturevalue("sentinel_url")
        return sentinel
    if backend == "cluster":
        cluster: clusters.Cluster = request.getfixturevalue("redis_cluster")
        return cluster.url
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return "memory://"


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return backend_url(request.param, request, tmp_path)


@pytest.fixture
async def open_store(url: str) -> AsyncIterator[Callable[[], Store]]:
    """Opens stores on the test's URL (a second one shares the state, except ``memory://``)."""
    opened: list[Store] = []

    def open_() -> Store:
        opened.append(store_from_url(url))
        return opened[-1]

    yield open_
    for store in opened:
        await store.close()


@pytest.fixture
async def store(open_store: Callable[[], Store]) -> Store:
    return open_store()


@pytest.fixture
def key() -> str:
    """A key no other test uses (the Redis server is shared by the whole session)."""
    return f"test/{uuid.uuid4().hex}"
