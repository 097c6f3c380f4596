"""Opening a SQLite store while another process writes to the same file.

A process holding a write lock on a file still in rollback-journal mode makes SQLite
refuse the switch to WAL at once ("database is locked"), without waiting: the race every
``guard serve --workers N`` start, or every set of processes sharing one new budget file,
can hit. The store must wait for the lock like any other write, up to its busy timeout.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from guard.stores import sqlite as sqlite_store
from guard.stores.base import StoreError
from guard.stores.sqlite import SqliteStore


def writer_holding_the_lock(path: Path) -> sqlite3.Connection:
    """A connection in the middle of a write to ``path``, in rollback-journal mode."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    db.execute("CREATE TABLE other (x)")
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO other VALUES (1)")
    return db


def test_sqlite_refuses_the_switch_to_wal_at_once_under_a_writer(tmp_path: Path) -> None:
    """The premise: SQLite's own busy timeout does not cover this case."""
    path = tmp_path / "state.db"
    holder = writer_holding_the_lock(path)
    db = sqlite3.connect(path, timeout=5.0, isolation_level=None)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        db.execute("PRAGMA journal_mode = WAL")
    assert time.monotonic() - started < 1.0
    db.close()
    holder.close()


async def test_a_store_opened_under_a_writer_waits_for_it(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    holder = writer_holding_the_lock(path)
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    store = SqliteStore(f"sqlite:///{path}")
    try:
        admission = await store.reserve("k", 1.0, 10.0, now=0.0, hold_until=60.0,
                                        expires_at=3600.0)
        assert admission.admitted
        assert await store.usage("k", now=1.0) == 1.0
    finally:
        release.join()
        await store.close()
        holder.close()
    journal = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert journal == "wal"


async def test_a_lock_never_released_is_a_store_error_after_the_timeout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_store, "BUSY_TIMEOUT", 0.2)
    path = tmp_path / "state.db"
    holder = writer_holding_the_lock(path)
    store = SqliteStore(f"sqlite:///{path}")
    try:
        with pytest.raises(StoreError, match="locked"):
            await store.usage("k", now=0.0)
    finally:
        await store.close()
        holder.close()
    # Nothing was lost: once the writer is gone, the same store path opens.
    store = SqliteStore(f"sqlite:///{path}")
    assert await store.usage("k", now=0.0) == 0.0
    await store.close()
