"""``store_from_url``: the scheme picks the backend; nothing heavy is imported before that."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from guard.stores import StoreError, store_from_url
from guard.stores.memory import MemoryStore
from guard.stores.sqlite import SqliteStore


def test_memory_stores_are_private() -> None:
    first, second = store_from_url("memory://"), store_from_url("memory://")
    assert isinstance(first, MemoryStore) and first is not second


async def test_the_default_sqlite_path_is_relative_to_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    store = store_from_url("sqlite:///.guard/state.db")
    assert isinstance(store, SqliteStore)
    assert not (tmp_path / ".guard").exists()  # opening a store touches nothing yet
    monkeypatch.chdir(tmp_path.parent)  # resolved when the store was made
    assert await store.usage("k", now=0.0) == 0.0
    assert (tmp_path / ".guard" / "state.db").is_file()
    await store.close()


def test_an_absolute_sqlite_path(tmp_path: Path) -> None:
    store = store_from_url(f"sqlite:///{tmp_path}/x.db")
    assert isinstance(store, SqliteStore) and store.path == tmp_path / "x.db"


@pytest.mark.parametrize("url", ["mysql://u:pw@h/db", "memory", "", "sqlite://", "sqlite:///"])
def test_bad_urls_are_refused_without_showing_credentials(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        store_from_url(url)
    assert "pw" not in str(caught.value)


async def test_an_unwritable_sqlite_path_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    store = store_from_url(f"sqlite:///{tmp_path}/file/state.db")
    with pytest.raises(StoreError, match=r"state\.db"):
        await store.usage("k", now=0.0)
    await store.close()


def test_importing_guard_imports_no_store_backend() -> None:
    code = ("import sys, guard, guard.stores; print(sorted(m for m in sys.modules "
            "if m == 'redis' or m in ('guard.stores.redis', 'guard.stores.sqlite')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
