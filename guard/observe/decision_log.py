"""The decision log: one JSON line per request, to stdout or a file, or nowhere.

What a line holds (and what it never holds) is decided in
:mod:`guard.observe.events`; this module only writes lines. Writing happens on
the caller's thread, under a lock, into a line-buffered stream: one ``write``
system call per line. Measured here, a record costs ~30 µs for 10 policies
(~45 µs for 18), of which the write is ~3 µs; a writer thread could only take
those 3 µs off the request, since building the line holds the GIL whichever
thread does it, and would add a queue and a wake-up per line. The price is
that a stalled disk stalls the caller; for that, point the log at stdout and
let the platform's log collector do the I/O.

A failed write never raises into the request path: the line is dropped and the
``guard`` logger warns (at most once a minute, with the number dropped).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import IO, Protocol

from guard.engine.decision import Decision, ResponseDecision
from guard.errors import GuardError
from guard.observe.events import decision_line

log = logging.getLogger("guard")
WARN_EVERY = 60.0  # seconds between two warnings about dropped lines


class DecisionLogError(GuardError):
    """The decision log's target cannot be used (bad setting, file not writable)."""


class Sink(Protocol):
    """Where lines go: ``write`` one line (with its newline); ``close`` at shutdown."""

    def write(self, line: str) -> None: ...

    def close(self) -> None: ...


class StdoutSink:
    """Standard output, looked up at each write (so a redirected ``sys.stdout`` is honoured)."""

    def write(self, line: str) -> None:
        sys.stdout.write(line)
        sys.stdout.flush()  # a log collector reading a pipe wants the line now

    def close(self) -> None:
        return None


class FileSink:
    """A file opened for appending, line-buffered; ``reopen`` after log rotation."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stream = self._open()

    def write(self, line: str) -> None:
        self._stream.write(line)

    def reopen(self) -> None:
        old, self._stream = self._stream, self._open()
        _close(old)

    def close(self) -> None:
        _close(self._stream)

    def _open(self) -> IO[str]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return self.path.open("a", buffering=1, encoding="utf-8")
        except OSError as exc:
            raise DecisionLogError(f"decision log {str(self.path)!r}: {exc}") from exc


def _close(stream: IO[str]) -> None:
    try:
        stream.close()  # flushes: may fail like a write
    except OSError as exc:
        log.warning("decision log: closing %s failed (%s)", stream.name, exc)


class DecisionLog:
    """Writes one event per decision; thread-safe; never raises from :meth:`record`."""

    def __init__(self, sink: Sink | None) -> None:
        self.sink = sink
        self._lock = threading.Lock()
        self._dropped = 0
        self._warned_at = -WARN_EVERY

    @classmethod
    def from_setting(cls, value: str) -> DecisionLog:
        """``settings.decision_log``: ``stdout``, ``file:PATH`` (JSON lines) or ``none``.

        Raises :class:`DecisionLogError` for an unknown value or a file that cannot
        be opened, so a misconfigured log fails at start-up, not silently later.
        """
        if value == "none":
            return cls(None)
        if value == "stdout":
            return cls(StdoutSink())
        if value.startswith("file:") and len(value) > len("file:"):
            return cls(FileSink(Path(value.removeprefix("file:"))))
        raise DecisionLogError(f"decision_log {value!r}: expected stdout, none or file:PATH")

    @property
    def enabled(self) -> bool:
        return self.sink is not None

    def record(self, decision: Decision, response: ResponseDecision | None = None, *,
               status: int | None = None, duration_ms: float | None = None,
               stream: bool = False, now: datetime | None = None) -> None:
        """Write ``decision``'s event as one line; call once per request, after the answer.

        ``status`` is what the caller finally got (an upstream error, say) and
        ``duration_ms`` the whole request's time, upstream included; both are
        optional. ``stream`` marks a streamed answer. ``now`` is for tests.
        """
        if self.sink is None:
            return
        try:
            line = decision_line(decision, response, status=status,
                                 duration_ms=duration_ms, stream=stream, now=now) + "\n"
        except Exception as exc:  # a bug here must not fail the request it describes
            log.warning("decision log: could not encode decision %s (%s)",
                        decision.decision_id, type(exc).__name__)
            return
        self._write(line)

    def reopen(self) -> None:
        """Reopen a file target (after ``logrotate`` moved it); a no-op for stdout.

        Never raises: when the new file cannot be opened, lines keep going to the old one.
        """
        if isinstance(self.sink, FileSink):
            with self._lock:
                try:
                    self.sink.reopen()
                except DecisionLogError as exc:
                    log.warning("%s; still writing to the file opened before", exc)

    def close(self) -> None:
        if self.sink is not None:
            with self._lock:
                self.sink.close()

    def _write(self, line: str) -> None:
        assert self.sink is not None
        with self._lock:
            try:
                self.sink.write(line)
            except Exception as exc:  # OSError (disk full), ValueError (closed file), ...
                self._dropped += 1
                self._warn(exc)

    def _warn(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned_at < WARN_EVERY:
            return
        log.warning("decision log: cannot write (%s); %d line(s) dropped so far",
                    exc, self._dropped)
        self._warned_at = now
