"""``sqlite:///PATH``: counters in one SQLite file, shared by every process on the machine.

Each read-modify-write is one ``BEGIN IMMEDIATE`` transaction: it takes the database's
write lock before reading, so two processes can never both read the old usage and both
fit. WAL mode lets readers (``usage``) run beside a writer, and ``synchronous=NORMAL``
makes a commit cost no fsync (a power cut may lose the last few charges, never corrupt
the file). A locked database is waited for up to ``busy_timeout``.

The blocking calls run on one dedicated thread per store holding the only connection:
SQLite serializes writers anyway, and queueing them in-process is much cheaper than
letting several connections of one process fight over the file lock (SQLite's busy
handler sleeps in steps of milliseconds).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from guard.stores import rules
from guard.stores.base import Admission, RateResult, Reservation, Store, StoreError

T = TypeVar("T")

#: Seconds a transaction waits for another process's write lock before failing.
BUSY_TIMEOUT = 5.0
#: Seconds of (injected) time between sweeps that drop expired keys nobody touches again.
SWEEP_EVERY = 60.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS budgets (
    key TEXT PRIMARY KEY, settled REAL NOT NULL, held REAL NOT NULL,
    expires_at REAL NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS budgets_expiry ON budgets (expires_at);
CREATE TABLE IF NOT EXISTS reservations (
    id TEXT PRIMARY KEY, key TEXT NOT NULL, amount REAL NOT NULL,
    hold_until REAL NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS reservations_key ON reservations (key, hold_until);
CREATE TABLE IF NOT EXISTS ended (
    id TEXT PRIMARY KEY, key TEXT NOT NULL, amount REAL NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ended_key ON ended (key);
CREATE TABLE IF NOT EXISTS rates (
    key TEXT NOT NULL, window REAL NOT NULL, idx INTEGER NOT NULL, count REAL NOT NULL,
    expires_at REAL NOT NULL, PRIMARY KEY (key, window, idx)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rates_expiry ON rates (expires_at);
"""


def path_from_url(url: str) -> Path:
    """``sqlite:///rel/path`` is relative to the current directory, ``sqlite:////abs`` absolute."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise StoreError(f"a SQLite store URL looks like sqlite:///PATH, got {url!r}")
    return Path(url[len(prefix):]).absolute()


class SqliteStore(Store):
    """One SQLite file; one connection on one worker thread per store instance.

    A reservation whose hold ran out moves to ``ended`` until settled, released or its key
    expires: that is what lets a late settle still charge it exactly once, while a repeated
    settle finds no row and charges nothing.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.path = path_from_url(url)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="guard-sqlite")
        self._db: sqlite3.Connection | None = None  # touched only on the worker thread
        self._next_sweep = float("-inf")
        self._closed = False

    async def reserve(self, key: str, amount: float, limit: float, *, now: float,
                      hold_until: float, expires_at: float) -> Admission:
        amount = rules.check_amount("amount", amount)
        reservation = Reservation(key, rules.new_id(), amount, hold_until)
        admitted, used = await self._write(now, self._reserve, reservation, limit, expires_at)
        return Admission(admitted, used, limit, reservation if admitted else None)

    async def settle(self, reservation: Reservation, actual: float, *, now: float) -> float:
        actual = rules.check_amount("actual", actual)
        return await self._write(now, self._settle, reservation, actual)

    async def release(self, reservation: Reservation, *, now: float) -> None:
        await self._write(now, self._release, reservation)

    async def usage(self, key: str, *, now: float) -> float:
        return await self._run(self._usage, now, key)

    async def hit(self, key: str, amount: float, limit: float, *, now: float, window: float,
                  sliding: bool) -> RateResult:
        amount = rules.check_amount("amount", amount)
        at = rules.window_at(now, window, sliding)
        return await self._write(now, self._hit, key, amount, limit, at)

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            await asyncio.get_running_loop().run_in_executor(self._executor, self._close)
            self._executor.shutdown(wait=True)

    # -- the transactions, on the worker thread ------------------------------------------

    def _reserve(self, db: sqlite3.Connection, now: float, reservation: Reservation,
                 limit: float, expires_at: float) -> tuple[bool, float]:
        key = reservation.key
        settled, held = _open(db, key, now) or (0.0, 0.0)
        held = _purge(db, key, now, held)
        used = settled + held
        if not rules.fits(used, reservation.amount, limit):
            db.execute("UPDATE budgets SET held = ? WHERE key = ?", (held, key))
            return False, used
        db.execute("INSERT INTO reservations VALUES (?, ?, ?, ?)",
                   (reservation.id, key, reservation.amount, reservation.hold_until))
        db.execute("INSERT INTO budgets VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE "
                   "SET held = ?3, expires_at = max(expires_at, ?4)",
                   (key, settled, held + reservation.amount, expires_at))
        return True, used + reservation.amount

    def _settle(self, db: sqlite3.Connection, now: float, reservation: Reservation,
                actual: float) -> float:
        state = _open(db, reservation.key, now)
        if state is None:
            return 0.0
        settled, held = state
        held, charged = _take(db, reservation, _purge(db, reservation.key, now, held))
        settled += actual if charged else 0.0
        _save(db, reservation.key, settled, held)
        return settled + held

    def _release(self, db: sqlite3.Connection, now: float, reservation: Reservation) -> None:
        state = _open(db, reservation.key, now)
        if state is not None:
            held, _ = _take(db, reservation, _purge(db, reservation.key, now, state[1]))
            _save(db, reservation.key, state[0], held)

    def _hit(self, db: sqlite3.Connection, now: float, key: str, amount: float, limit: float,
             at: rules.Window) -> RateResult:
        current = self._count(db, key, at, at.index)
        previous = self._count(db, key, at, at.index - 1) if at.sliding else 0.0
        count = at.count(current, previous)
        if not rules.fits(count, amount, limit):
            wait = rules.retry_after(at, current, previous, amount, limit)
            return RateResult(False, count, limit, wait)
        db.execute("INSERT INTO rates VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE "
                   "SET count = count + excluded.count",
                   (key, at.length, at.index, amount, now + at.ttl))
        return RateResult(True, at.count(current + amount, previous), limit, 0.0)

    @staticmethod
    def _count(db: sqlite3.Connection, key: str, at: rules.Window, index: int) -> float:
        row = db.execute("SELECT count FROM rates WHERE key = ? AND window = ? AND idx = ?",
                         (key, at.length, index)).fetchone()
        return float(row[0]) if row else 0.0

    @staticmethod
    def _usage(db: sqlite3.Connection, now: float, key: str) -> float:
        """Settled plus live holds, read-only: holds that ran out are subtracted, not moved."""
        row = db.execute("SELECT settled, held FROM budgets WHERE key = ? AND expires_at > ?",
                         (key, now)).fetchone()
        if row is None:
            return 0.0
        if not db.execute("SELECT 1 FROM reservations WHERE key = ? AND hold_until > ?",
                          (key, now)).fetchone():
            return float(row[0])
        ended = db.execute("SELECT total(amount) FROM reservations WHERE key = ? "
                           "AND hold_until <= ?", (key, now)).fetchone()
        return float(row[0]) + max(float(row[1]) - float(ended[0]), 0.0)

    def _sweep(self, db: sqlite3.Connection, now: float) -> None:
        """Drop expired keys now and then, so keys never touched again do not pile up."""
        if now < self._next_sweep:
            return
        self._next_sweep = now + SWEEP_EVERY
        for table in ("reservations", "ended"):
            db.execute(f"DELETE FROM {table} WHERE key IN "
                       "(SELECT key FROM budgets WHERE expires_at <= ?)", (now,))
        db.execute("DELETE FROM budgets WHERE expires_at <= ?", (now,))
        db.execute("DELETE FROM rates WHERE expires_at <= ?", (now,))

    # -- plumbing ------------------------------------------------------------------------

    async def _write(self, now: float, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(db, now, *args)`` in one ``BEGIN IMMEDIATE`` transaction (worker thread)."""
        return await self._run(self._transaction, now, fn, *args)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, partial(self._call, fn, *args))
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"SQLite store {self.path}: {exc}") from exc

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return fn(self._connect(), *args)

    def _transaction(self, db: sqlite3.Connection, now: float, fn: Callable[..., T],
                     *args: Any) -> T:
        db.execute("BEGIN IMMEDIATE")
        try:
            result = fn(db, now, *args)
            self._sweep(db, now)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return result

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = _connect_file(self.path)
        return self._db

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _connect_file(path: Path) -> sqlite3.Connection:
    """A connection to ``path`` in WAL mode with the schema in place.

    Processes that open one new file at once race to switch it to WAL, which needs the
    file's exclusive lock; where waiting could deadlock, SQLite answers "database is
    locked" at once instead of calling the busy handler. So the set-up is retried, with
    short sleeps, until ``BUSY_TIMEOUT``; only then does the error reach the caller.
    """
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT, isolation_level=None)
    deadline = time.monotonic() + BUSY_TIMEOUT
    pause = 0.005
    while True:
        try:
            _set_up(db)
            return db
        except sqlite3.OperationalError as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            if not _is_busy(exc) or time.monotonic() + pause > deadline:
                db.close()
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _set_up(db: sqlite3.Connection) -> None:
    if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript("BEGIN IMMEDIATE;" + SCHEMA + "COMMIT;")


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc)
    return "locked" in text or "busy" in text


# -- budget rows: ``held`` is the running sum of live holds, so no call rescans them all ----


def _open(db: sqlite3.Connection, key: str, now: float) -> tuple[float, float] | None:
    """``(settled, held)`` of ``key``, or None if there is none (an expired key is dropped)."""
    row = db.execute("SELECT settled, held, expires_at FROM budgets WHERE key = ?",
                     (key,)).fetchone()
    if row is not None and row[2] <= now:
        for table in ("reservations", "ended", "budgets"):
            db.execute(f"DELETE FROM {table} WHERE key = ?", (key,))
        return None
    return (float(row[0]), float(row[1])) if row else None


def _purge(db: sqlite3.Connection, key: str, now: float, held: float) -> float:
    """Move holds that ran out to ``ended`` (a late settle still charges them); new held."""
    where = "FROM reservations WHERE key = ? AND hold_until <= ?"
    gone = db.execute(f"SELECT total(amount), count(*) {where}", (key, now)).fetchone()
    if not gone[1]:
        return held
    db.execute(f"INSERT INTO ended SELECT id, key, amount {where}", (key, now))
    db.execute(f"DELETE {where}", (key, now))
    return _unhold(db, key, held, gone[0])


def _unhold(db: sqlite3.Connection, key: str, held: float, amount: float) -> float:
    """``held - amount``, exactly 0 once no hold is left (float sums drift)."""
    if not db.execute("SELECT 1 FROM reservations WHERE key = ?", (key,)).fetchone():
        return 0.0
    return max(held - amount, 0.0)


def _take(db: sqlite3.Connection, reservation: Reservation,
          held: float) -> tuple[float, bool]:
    """Drop a reservation: the new held, and whether it is to be charged (live or ended)."""
    ids = (reservation.id, reservation.key)
    row = db.execute("SELECT amount FROM reservations WHERE id = ? AND key = ?", ids).fetchone()
    if row is not None:
        db.execute("DELETE FROM reservations WHERE id = ?", ids[:1])
        return _unhold(db, reservation.key, held, float(row[0])), True
    return held, db.execute("DELETE FROM ended WHERE id = ? AND key = ?", ids).rowcount > 0


def _save(db: sqlite3.Connection, key: str, settled: float, held: float) -> None:
    db.execute("UPDATE budgets SET settled = ?, held = ? WHERE key = ?", (settled, held, key))
