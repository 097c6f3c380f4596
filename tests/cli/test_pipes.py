"""``guard ... | head``: a reader that goes away changes neither the output on stderr nor
the exit code. The pipe's read end is closed before the command writes anything, so every
write meets a closed pipe (no race with how much ``head`` would have read)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.cli.test_cli import POLICIES, REQUESTS, ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")


def closed_stdout(*args: str) -> subprocess.CompletedProcess[str]:
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-m", "guard.cli.main", *args], stdout=write,
                              stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60)
    finally:
        os.close(write)


@pytest.mark.parametrize(("args", "code"), [
    (("check", str(POLICIES), str(REQUESTS / "chat_denied_model.json")), 1),
    (("check", str(POLICIES), str(REQUESTS / "chat_allowed.json"), "--format", "text"), 0),
    (("lint", str(POLICIES)), 0),
    (("schema",), 0),
    (("completion", "bash"), 0),
    (("--help",), 0),
    (("check", "--help"), 0),
])
def test_closed_pipe_keeps_the_exit_code_and_stderr_quiet(args: tuple[str, ...],
                                                           code: int) -> None:
    result = closed_stdout(*args)
    assert result.returncode == code
    assert result.stderr == ""


def test_errors_still_reach_stderr_with_a_closed_stdout() -> None:
    result = closed_stdout("check", str(POLICIES), "/nonexistent.json")
    assert result.returncode == 2
    assert result.stderr.startswith("guard: cannot read /nonexistent.json")


def test_a_reader_that_stops_early_gets_the_start_of_the_output() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "guard.cli.main", "schema"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # like `head -1`
    assert proc.wait(timeout=60) == 0
    assert first == b"{\n" and proc.stderr.read() == b""
    proc.stderr.close()


def _python(code: str) -> subprocess.CompletedProcess[str]:
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run([sys.executable, "-c", code], stdout=write, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT, timeout=60)
    finally:
        os.close(write)


def test_released_stdout_reports_a_closed_pipe_again() -> None:
    """``guard serve`` releases stdout: its decision log must see (and count) a dead reader."""
    body = "from guard.cli.pipes import tolerate_closed_stdout\n" \
           "with tolerate_closed_stdout() as release:\n" \
           "    {}\n" \
           "    try:\n" \
           "        print('x' * 100_000, flush=True)\n" \
           "    except BrokenPipeError:\n" \
           "        raise SystemExit(7)\n"
    assert _python(body.format("pass")).returncode == 0
    assert _python(body.format("release()")).returncode == 7
