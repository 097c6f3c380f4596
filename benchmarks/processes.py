"""Processes of the HTTP benchmarks: started in a group of their own, ready when a URL
answers 200, stopped as a group (also on failure), and their CPU time read from ``/proc``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from tests.serve.servers import free_port

__all__ = ["cpu_seconds", "free_port", "process"]

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def process(name: str, argv: list[str], env: dict[str, str], log: Path, ready: str,
            timeout: float) -> Iterator[int]:
    """Run ``argv`` in a process group of its own until the block ends, once ``ready``
    answers 200; yields the group's id. The whole group is stopped, also on failure."""
    import httpx

    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}:\n"
                                   f"{log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(ready, timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not start in {timeout:.0f} s:\n"
                                   f"{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield proc.pid
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group, SIGKILL to whatever of it is left after 10 s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def cpu_seconds(group: int) -> float:
    """User + system CPU seconds of every live process in ``group`` (Linux ``/proc``)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()
        if int(fields[2]) == group:  # pgrp; utime and stime are fields 14 and 15
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")
