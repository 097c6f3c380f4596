"""A Sentinel-managed primary killed: the store fails closed (``StoreError``, which the
checks turn into 503) until Sentinel has promoted the replica, then works on it."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from benchmarks.redis_server import INSTALL_HINT, available, redis_sentinel, redis_server
from guard.stores import StoreError, store_from_url

NOW = 1_700_000_000.0


def _synced(port: str) -> bool:
    info = subprocess.run(["redis-cli", "-p", port, "info", "replication"],
                          capture_output=True, text=True, timeout=10).stdout
    return "master_link_status:up" in info


@pytest.mark.skipif(not available(), reason=INSTALL_HINT)
async def test_the_store_follows_sentinel_to_the_new_primary(tmp_path: Path) -> None:
    for part in "prs":
        (tmp_path / part).mkdir()
    with redis_server(tmp_path / "p") as primary:
        port = primary.rpartition(":")[2].partition("/")[0]
        with redis_server(tmp_path / "r", "--replicaof", "127.0.0.1", port) as replica, \
                redis_sentinel(tmp_path / "s", primary) as url:
            replica_port = replica.rpartition(":")[2].partition("/")[0]
            deadline = time.monotonic() + 20
            while not _synced(replica_port):
                assert time.monotonic() < deadline, "the replica never synced"
                time.sleep(0.1)
            store = store_from_url(url)
            admission = await store.reserve("k", 1, 10, now=NOW, hold_until=NOW + 60,
                                            expires_at=NOW + 3600)
            assert admission.reservation is not None
            time.sleep(0.2)  # let the hold reach the replica (replication is asynchronous)
            subprocess.run(["redis-cli", "-p", port, "shutdown", "nosave"],
                           capture_output=True, timeout=10)
            failures, started = 0, time.monotonic()
            while True:
                assert time.monotonic() - started < 30, "Sentinel never promoted the replica"
                try:
                    used = await store.settle(admission.reservation, 0.5, now=NOW)
                    break
                except StoreError as exc:
                    assert "127.0.0.1" in str(exc)
                    failures += 1
                    time.sleep(0.2)
            assert failures > 0 and used == 0.5  # the replicated hold, settled once
            assert await store.usage("k", now=NOW) == 0.5
            await store.close()
