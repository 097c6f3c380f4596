"""Output into a pipe that closes early (``guard check ... | head``) is not an error.

Python ignores SIGPIPE, so a write after the reader has gone raises
``BrokenPipeError``: a traceback, and exit status 1 where the caller's script
reads 1 as "denied". Here the first such write sends the rest of the output to
``/dev/null`` and the command carries on, so its exit code is the one it would have
had with the reader still there, and nothing is printed about the pipe.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, TextIO


class _Tolerant:
    """A text stream whose writes and flushes survive the reader closing the pipe."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            _discard(self._stream)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            _discard(self._stream)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _discard(stream: TextIO) -> None:
    """Point the stream's descriptor at /dev/null: what is buffered and what follows goes
    nowhere, and the interpreter's own flush at exit finds nothing to complain about."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)
    with suppress(BrokenPipeError, ValueError):  # what was buffered goes to /dev/null
        stream.flush()


def _release(real: TextIO) -> None:
    sys.stdout = real


@contextmanager
def tolerate_closed_stdout() -> Iterator[Callable[[], None]]:
    """Run a command with a stdout that a closed pipe cannot break (see the module doc).

    Yields ``release``: a long-running command whose stdout carries a log (``guard serve``
    and its decision log) calls it to get the real stream back, so a reader going away
    is counted and reported as dropped lines there, not silently discarded here.
    """
    real = sys.stdout
    try:
        real.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test's capture)
        yield lambda: None
        return
    sys.stdout = _Tolerant(real)
    try:
        yield lambda: _release(real)
    finally:
        sys.stdout = real
        try:
            real.flush()
        except BrokenPipeError:
            _discard(real)
