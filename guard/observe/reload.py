"""Hot reload: recompile the policy set when its files change (or on SIGHUP), swap atomically.

:class:`PolicyReloader` holds the current :class:`~guard.Guard`. A reload
compiles the set from disk *beside* the running one and swaps one reference
only when it compiled; a broken set is logged with every problem and the old
set keeps serving. Requests already running keep the Guard they started with.

The old Guard is never closed on a swap: its in-flight requests may still
settle budgets through their own holds. When the new set uses the same store
URL it is handed the old set's open store, so counts in a ``memory://`` store
survive a reload and a Redis or SQLite store is not opened once more per
reload. A set that moves to another store leaves the old one open until
:meth:`PolicyReloader.aclose`.

Change detection polls the files' names, sizes and modification times once a
``interval``: a few ``stat`` calls, no extra dependency, and it works where
inotify does not (network file systems, Kubernetes ConfigMap symlink swaps).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from guard.errors import GuardError, PolicyError
from guard.library import Guard
from guard.limits.store import StoreRef

log = logging.getLogger("guard")
Fingerprint = frozenset[tuple[str, int, int]]
Build = Callable[[Path], Guard]


def fingerprint(path: Path) -> Fingerprint:
    """Name, size and mtime of each policy file the loader would read (none: empty)."""
    try:
        files = [path] if path.is_file() else [
            p for p in path.iterdir()
            if p.suffix in (".yaml", ".yml") and not p.stem.endswith("_test")]
        stats = [(f.name, f.stat()) for f in files]
    except OSError:  # the path (or a file) vanished mid-edit: the next poll sees the result
        return frozenset()
    return frozenset((name, st.st_size, st.st_mtime_ns) for name, st in stats)


class PolicyReloader:
    """The current Guard of a policy path, replaced whole when the path's files change."""

    def __init__(self, path: str | Path, build: Build = Guard.from_path, *,
                 on_swap: Callable[[Guard], None] | None = None) -> None:
        """Compile ``path`` now: a set that does not compile at start raises ``PolicyError``.

        ``on_swap`` is called with each new Guard after it became current (to
        rebuild what depends on its settings, say); its errors are logged.
        """
        self.path = Path(path)
        self._build = build
        self._on_swap = on_swap
        self._lock = threading.Lock()  # one reload at a time: the watcher and SIGHUP may race
        self._seen = fingerprint(self.path)
        self._guard = build(self.path)
        self._retired: list[StoreRef] = []  # stores a reload moved away from
        self._tasks: set[asyncio.Task[bool]] = set()

    @property
    def current(self) -> Guard:
        """The Guard to use for a new request (read it once per request)."""
        return self._guard

    def reload(self) -> bool:
        """Recompile from disk; True when the files compiled (and are now current).

        Blocking (compiling PII policies takes a while): from async code, use
        :meth:`areload`. A set whose revision did not change is not swapped.
        """
        with self._lock:
            self._seen = fingerprint(self.path)
            fresh = self._compile()
            if fresh is None:
                return False
            if fresh.revision != self._guard.revision:
                self._swap(fresh)
            else:
                log.info("policies unchanged in %s: revision %s", self.path, fresh.revision)
            return True

    async def areload(self) -> bool:
        """:meth:`reload` in a worker thread, so the event loop keeps serving."""
        return await asyncio.to_thread(self.reload)

    async def watch(self, interval: float = 1.0) -> None:
        """Poll the policy files every ``interval`` seconds, reload on change; until cancelled."""
        while True:
            await asyncio.sleep(interval)
            if fingerprint(self.path) != self._seen:
                await self.areload()

    def install_sighup(self, loop: asyncio.AbstractEventLoop) -> None:
        """Reload on SIGHUP (POSIX; call from the main thread, where ``loop`` runs)."""
        loop.add_signal_handler(signal.SIGHUP, self._on_sighup, loop)

    def remove_sighup(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.remove_signal_handler(signal.SIGHUP)

    async def aclose(self) -> None:
        """Close the current Guard's store and any store a reload moved away from."""
        retired, self._retired = self._retired, []
        await self._guard.aclose()
        for store in retired:
            await store.close()

    def _on_sighup(self, loop: asyncio.AbstractEventLoop) -> None:
        log.info("SIGHUP: reloading policies from %s", self.path)
        task = loop.create_task(self.areload())
        self._tasks.add(task)  # keep a reference until done, or the task may be collected
        task.add_done_callback(self._tasks.discard)

    def _compile(self) -> Guard | None:
        try:
            return self._build(self.path)
        except PolicyError as exc:
            log.error("policy reload failed, keeping revision %s; %d problem(s):\n%s",
                      self._guard.revision, len(exc.problems), exc)
        except GuardError as exc:  # it compiles, but this process must not serve it
            log.error("policy reload refused, keeping revision %s: %s", self._guard.revision,
                      exc)
        except Exception:  # a bug while compiling must not end the watcher nor the old set
            log.exception("policy reload failed, keeping revision %s", self._guard.revision)
        return None

    def _swap(self, fresh: Guard) -> None:
        old = self._guard
        if not share_store(old, fresh):
            self._retired.append(old.compiled.store)
        self._guard = fresh  # one reference assignment: requests see the old set or the new
        log.info("policies reloaded from %s: revision %s -> %s", self.path, old.revision,
                 fresh.revision)
        if self._on_swap is not None:
            try:
                self._on_swap(fresh)
            except Exception:
                log.exception("policy reload: on_swap callback failed")


def share_store(old: Guard, fresh: Guard) -> bool:
    """Give ``fresh`` the store ``old`` opened when both name the same URL; True if same URL.

    ``StoreRef`` has no public way to adopt an open store yet, hence the private
    attribute; ``fresh`` is not visible to any request while this runs. When
    ``old`` never opened its store there is nothing to share (should one of its
    last requests open it now, that one store stays open until exit).
    """
    old_ref, new_ref = old.compiled.store, fresh.compiled.store
    if old_ref.url != new_ref.url:
        return False
    if old_ref._store is not None:
        new_ref._store = old_ref._store
    return True
