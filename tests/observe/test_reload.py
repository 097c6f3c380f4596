"""Hot reload: edits are picked up, broken sets are refused, SIGHUP and the watcher both work."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from guard import Guard
from guard.errors import GuardError, PolicyError
from guard.observe import PolicyReloader
from guard.observe.reload import fingerprint

CHAT = "/v1/chat/completions"
ROUTE = """version: 1
settings: {{store: "memory://"}}
identity:
  team: request.headers["x-team"]
policies:
  - name: models
    type: route
    allow: [{allow}]
  - name: team-tokens
    type: budget
    per: identity.team
    limit_tokens: 100000
    window: day
"""
BROKEN = """version: 1
policies:
  - name: models
    type: route
    allwo: ["openai/*"]
  - name: cap
    type: rule
    deny_if: reqest.model == "x"
"""


def request(model: str) -> dict[str, Any]:
    return {"model": model, "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}


async def admits(guard: Guard, model: str) -> bool:
    decision = await guard.check_request(request(model), path=CHAT, headers={"x-team": "eu"})
    return decision.allowed


def write(path: Path, text: str) -> None:
    """Write, then move the mtime on: a filesystem with a coarse clock must still see it."""
    path.write_text(text)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    write(tmp_path / "routes.yaml", ROUTE.format(allow='"openai/gpt-4o*"'))
    return tmp_path


@pytest.fixture
async def reloader(policy_dir: Path) -> AsyncIterator[PolicyReloader]:
    reloader = PolicyReloader(policy_dir)
    yield reloader
    await reloader.aclose()


async def eventually(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    async with asyncio.timeout(seconds):
        while not condition():
            await asyncio.sleep(0.01)


async def test_reload_picks_up_an_edit(reloader: PolicyReloader, policy_dir: Path) -> None:
    old = reloader.current
    assert not await admits(old, "openai/gpt-5")
    write(policy_dir / "routes.yaml", ROUTE.format(allow='"openai/gpt-4o*", "openai/gpt-5"'))
    assert reloader.reload() is True
    assert reloader.current is not old and reloader.current.revision != old.revision
    assert await admits(reloader.current, "openai/gpt-5")


async def test_a_broken_set_is_logged_with_every_problem_and_the_old_one_stays(
        reloader: PolicyReloader, policy_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    old = reloader.current
    write(policy_dir / "routes.yaml", BROKEN)
    with caplog.at_level(logging.ERROR, logger="guard"):
        assert reloader.reload() is False
    assert reloader.current is old
    assert f"keeping revision {old.revision}; 2 problem(s)" in caplog.text
    assert "routes.yaml:5: policies[0].allwo" in caplog.text
    assert "routes.yaml:8" in caplog.text
    assert await admits(reloader.current, "openai/gpt-4o")


async def test_an_unchanged_set_is_not_swapped(reloader: PolicyReloader,
                                               policy_dir: Path) -> None:
    old = reloader.current
    write(policy_dir / "routes.yaml", (policy_dir / "routes.yaml").read_text())  # touch
    assert reloader.reload() is True and reloader.current is old


async def test_a_bug_while_compiling_keeps_the_old_set(
        policy_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    builds: list[Path] = []

    def build(path: Path) -> Guard:
        builds.append(path)
        if len(builds) > 1:
            raise RuntimeError("compiler bug")
        return Guard.from_path(path)

    reloader = PolicyReloader(policy_dir, build)
    old = reloader.current
    with caplog.at_level(logging.ERROR, logger="guard"):
        assert reloader.reload() is False
    assert reloader.current is old and "RuntimeError: compiler bug" in caplog.text
    await reloader.aclose()


async def test_a_set_the_process_must_not_serve_is_refused_and_the_old_stays(
        policy_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    """`guard serve --workers 4` vets each set (a memory:// store would count per worker):
    a reload it refuses keeps the old set, with one clear line and no traceback."""
    builds: list[Path] = []

    def build(path: Path) -> Guard:
        builds.append(path)
        if len(builds) > 1:
            raise GuardError("--workers 4 needs a shared store")
        return Guard.from_path(path)

    reloader = PolicyReloader(policy_dir, build)
    old = reloader.current
    with caplog.at_level(logging.ERROR, logger="guard"):
        assert reloader.reload() is False
    assert reloader.current is old and "reload refused" in caplog.text
    assert "needs a shared store" in caplog.text and "Traceback" not in caplog.text
    await reloader.aclose()


def test_a_set_that_does_not_compile_at_start_raises(tmp_path: Path) -> None:
    write(tmp_path / "p.yaml", BROKEN)
    with pytest.raises(PolicyError) as caught:
        PolicyReloader(tmp_path)
    assert len(caught.value.problems) == 2


async def test_in_flight_requests_keep_their_guard_and_budgets_share_the_store(
        reloader: PolicyReloader, policy_dir: Path) -> None:
    old = reloader.current
    decision = await old.check_request(request("openai/gpt-4o"), path=CHAT,
                                       headers={"x-team": "eu"})
    write(policy_dir / "routes.yaml", ROUTE.format(allow='"openai/*"'))
    assert reloader.reload()
    new = reloader.current
    assert new.compiled.store.get() is old.compiled.store.get()  # memory:// survives
    reserved = decision.trace[1].detail["used"]
    response = await old.check_response(decision, {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2}})
    assert response.status == 200
    after = await new.check_request(request("openai/gpt-4o"), path=CHAT,
                                    headers={"x-team": "eu"})
    amount = after.trace[1].detail["amount"]
    assert after.trace[1].detail["used"] == pytest.approx(7 + amount)
    assert reserved > 7  # the old set's reservation was settled down to its real usage


async def test_a_set_moving_to_another_store_leaves_the_old_one_open(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUARD_STORE")
    path = tmp_path / "p.yaml"
    write(path, ROUTE.format(allow='"openai/*"').replace("memory://", f"sqlite:///{tmp_path}/a.db"))
    reloader = PolicyReloader(path)
    old = reloader.current
    assert await admits(old, "openai/gpt-4o")  # opens a.db
    write(path, ROUTE.format(allow='"openai/*"').replace("memory://",
                                                          f"sqlite:///{tmp_path}/b.db"))
    assert reloader.reload()
    assert await admits(old, "openai/gpt-4o") and await admits(reloader.current, "openai/gpt-4o")
    await reloader.aclose()
    assert (tmp_path / "a.db").exists() and (tmp_path / "b.db").exists()


async def test_watch_reloads_on_change_and_skips_broken_edits(
        reloader: PolicyReloader, policy_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    first = reloader.current.revision
    watcher = asyncio.create_task(reloader.watch(interval=0.02))
    try:
        with caplog.at_level(logging.ERROR, logger="guard"):
            write(policy_dir / "routes.yaml", BROKEN)
            await eventually(lambda: "policy reload failed" in caplog.text)
        assert reloader.current.revision == first
        write(policy_dir / "routes.yaml", ROUTE.format(allow='"openai/*"'))
        await eventually(lambda: reloader.current.revision != first)
        assert await admits(reloader.current, "openai/gpt-5")
    finally:
        watcher.cancel()
        with pytest.raises(asyncio.CancelledError):
            await watcher


async def test_watch_sees_files_added_and_removed(reloader: PolicyReloader,
                                                  policy_dir: Path) -> None:
    first = reloader.current.revision
    watcher = asyncio.create_task(reloader.watch(interval=0.02))
    try:
        write(policy_dir / "notes.txt", "not a policy file")
        write(policy_dir / "rules.yml", "version: 1\npolicies:\n  - name: cap\n    type: rule\n"
              "    deny_if: request.max_tokens > 5\n")
        await eventually(lambda: reloader.current.revision != first)
        assert not await admits(reloader.current, "openai/gpt-4o")  # max_tokens 10
        second = reloader.current.revision
        (policy_dir / "rules.yml").unlink()
        await eventually(lambda: reloader.current.revision != second)
        assert reloader.current.revision == first
    finally:
        watcher.cancel()


def test_fingerprint_covers_policy_files_only(policy_dir: Path) -> None:
    before = fingerprint(policy_dir)
    write(policy_dir / "notes.txt", "x")
    write(policy_dir / "routes_test.yaml", "x")  # policy tests are not part of the set
    assert fingerprint(policy_dir) == before
    assert fingerprint(policy_dir / "routes.yaml") == before
    assert fingerprint(policy_dir / "missing") == frozenset()


async def test_sighup_reloads(reloader: PolicyReloader, policy_dir: Path,
                              caplog: pytest.LogCaptureFixture) -> None:
    loop = asyncio.get_running_loop()
    reloader.install_sighup(loop)
    try:
        first = reloader.current.revision
        write(policy_dir / "routes.yaml", ROUTE.format(allow='"openai/*"'))
        with caplog.at_level(logging.INFO, logger="guard"):
            os.kill(os.getpid(), signal.SIGHUP)
            await eventually(lambda: reloader.current.revision != first)
        assert "SIGHUP: reloading policies" in caplog.text
        assert f"revision {first} -> {reloader.current.revision}" in caplog.text
    finally:
        reloader.remove_sighup(loop)


async def test_on_swap_hears_of_each_new_guard(policy_dir: Path,
                                              caplog: pytest.LogCaptureFixture) -> None:
    swapped: list[Guard] = []

    def on_swap(guard: Guard) -> None:
        swapped.append(guard)
        raise ValueError("listener bug")

    reloader = PolicyReloader(policy_dir, on_swap=on_swap)
    write(policy_dir / "routes.yaml", ROUTE.format(allow='"openai/*"'))
    with caplog.at_level(logging.ERROR, logger="guard"):
        assert await reloader.areload()
    assert swapped == [reloader.current] and "on_swap callback failed" in caplog.text
    await reloader.aclose()
