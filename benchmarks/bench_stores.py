"""State stores: one budget call (reserve + settle) and one sliding-window rate hit.

Each backend is measured beside the cheapest thing that could keep its counter, in the
same run, so the ratio is what the store's atomic logic costs on top of its transport:

- memory: dict increments under a lock (no store can be cheaper);
- SQLite: bare ``UPDATE ... SET v = v + ?`` statements, each its own transaction, on the
  same kind of connection (WAL, ``synchronous=NORMAL``, one worker thread);
- Redis: bare ``INCRBYFLOAT`` round trips with the same ``redis.asyncio`` settings, on the
  benchmark's own ``redis-server`` (a free loopback port, nothing on disk);
- Redis Cluster: the same through ``redis.asyncio.RedisCluster``, on the benchmark's own
  3-primary, 3-replica cluster on loopback (``redis+cluster://``).

reserve + settle is two store calls, so its baseline is two increments; a hit is one.
The "2000 held" rows repeat reserve + settle with 2000 unsettled reservations on the key:
no call rescans them, so the figure should not move.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks import redis_cluster as clusters
from benchmarks.redis_server import INSTALL_HINT, available, redis_server
from benchmarks.timing import row
from guard.stores import Store, store_from_url

NOW = 1_700_000_000.0
LIMIT = 1e12  # never refuses: we time the admitted path


async def best_us(baseline: Callable[[], Awaitable[Any]], guard: Callable[[], Awaitable[Any]],
                  iterations: int, rounds: int = 7) -> tuple[float, float]:
    """Best-of-``rounds`` mean microseconds per call of each, rounds interleaved.

    Interleaving keeps a slow spell of the machine (thread wake-ups vary a lot on a shared
    host) from landing on one side only.
    """
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for side, fn in enumerate((baseline, guard)):
            start = time.perf_counter()
            for _ in range(iterations):
                await fn()
            best[side] = min(best[side], (time.perf_counter() - start) / iterations)
    return best[0] * 1e6, best[1] * 1e6


async def budget_call(store: Store, key: str) -> None:
    admission = await store.reserve(key, 0.01, LIMIT, now=NOW, hold_until=NOW + 60,
                                    expires_at=NOW + 3600)
    assert admission.reservation is not None
    await store.settle(admission.reservation, 0.01, now=NOW)


async def hold(store: Store, key: str, count: int) -> None:
    for _ in range(count):
        await store.reserve(key, 0.01, LIMIT, now=NOW, hold_until=NOW + 60,
                            expires_at=NOW + 3600)


class DictCounter:
    def __init__(self) -> None:
        self.lock, self.values = threading.Lock(), {"k": 0.0}

    async def incr(self) -> None:
        with self.lock:
            self.values["k"] += 0.01

    async def close(self) -> None:
        pass


class SqliteCounter:
    def __init__(self, path: Path) -> None:
        self.executor = ThreadPoolExecutor(1)
        self.db = self.executor.submit(self._connect, path).result()

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("CREATE TABLE counters (k TEXT PRIMARY KEY, v REAL)")
        db.execute("INSERT INTO counters VALUES ('k', 0.0)")
        return db

    async def incr(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self.executor, self._incr)

    def _incr(self) -> None:
        self.db.execute("UPDATE counters SET v = v + ? WHERE k = 'k'", (0.01,))

    async def close(self) -> None:
        self.executor.submit(self.db.close).result()
        self.executor.shutdown()


class RedisCounter:
    def __init__(self, url: str) -> None:
        import redis.asyncio
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        self.client: Any = redis.asyncio.Redis.from_url(
            url, socket_timeout=0.5, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0),
            decode_responses=True)

    async def incr(self) -> None:
        await self.client.incrbyfloat("bench:bare", 0.01)

    async def close(self) -> None:
        await self.client.aclose()


class ClusterCounter(RedisCounter):
    """The same round trip through ``RedisCluster``, with guard's client settings."""

    def __init__(self, url: str) -> None:
        from guard.stores.redis_topology import open_client, parse

        self.client = open_client(parse(url), 0.5)[0]


async def backend_rows(label: str, url: str, counter: Any, baseline: str,
                       iterations: int, held: bool) -> list[dict[str, Any]]:
    store = store_from_url(url)
    pair, one = "2 " + baseline, "1 " + baseline

    async def two() -> None:
        await counter.incr()
        await counter.incr()

    try:
        await budget_call(store, "warm")
        name = type(store).__name__
        rows = [row(f"store: reserve+settle, {label}", pair, *_us(await best_us(
            two, lambda: budget_call(store, "b"), iterations), name))]
        if held:
            await hold(store, "held", 2000)
            rows.append(row(f"store: reserve+settle, {label}, 2000 held", pair, *_us(
                await best_us(two, lambda: budget_call(store, "held"), iterations), name)))

        async def hit() -> None:
            await store.hit("h", 1, LIMIT, now=NOW, window=60, sliding=True)

        rows.append(row(f"store: sliding-window hit, {label}", one, *_us(
            await best_us(counter.incr, hit, iterations), name)))
        return rows
    finally:
        await store.close()
        await counter.close()


def _us(times: tuple[float, float], name: str) -> tuple[float, str, float]:
    """``row``'s middle arguments: baseline us, guard's label, guard us."""
    return times[0], name, times[1]


def run(quick: bool = False) -> list[dict[str, Any]]:
    iterations = 200 if quick else 2000
    rows = asyncio.run(backend_rows("memory", "memory://", DictCounter(),
                                    "dict += (lock)", iterations * 10, held=False))
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        rows += asyncio.run(backend_rows("SQLite", f"sqlite:///{directory / 'state.db'}",
                                         SqliteCounter(directory / "bare.db"), "bare UPDATE",
                                         iterations, held=True))
        if not available():
            print(f"stores: Redis rows skipped: {INSTALL_HINT}", file=sys.stderr)
            return rows
        with redis_server(directory) as url:
            rows += asyncio.run(backend_rows("Redis", url, RedisCounter(url),
                                             "bare INCRBYFLOAT", iterations, held=True))
        if not clusters.available():
            print(f"stores: Redis Cluster rows skipped: {clusters.INSTALL_HINT}",
                  file=sys.stderr)
            return rows
        with clusters.redis_cluster(directory / "cluster") as cluster:
            rows += asyncio.run(backend_rows("cluster", cluster.url,
                                             ClusterCounter(cluster.url), "bare INCRBYFLOAT",
                                             iterations, held=True))
    return rows


if __name__ == "__main__":
    from benchmarks.__main__ import table

    print(table(run(quick=True)))
