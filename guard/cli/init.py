"""``guard init [DIR]``: a commented starter policy set, with its tests and a request.

The files are package data (``guard/cli/starter/``), so what ``init`` writes is what
the suite lints and tests: ``guard lint DIR`` and ``guard test DIR`` pass on it as
written. Nothing is ever overwritten: if any file it would write exists, it writes
none and says which (exit 2), so a half-initialised directory cannot happen.
"""

from __future__ import annotations

import argparse
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from guard.errors import GuardError

STARTER = files("guard.cli") / "starter"


def starter_files() -> dict[str, bytes]:
    """Relative path -> content of every starter file."""
    found: dict[str, bytes] = {}
    _collect(STARTER, "", found)
    return found


def _collect(node: Traversable, prefix: str, found: dict[str, bytes]) -> None:
    for child in node.iterdir():
        name = f"{prefix}{child.name}"
        if child.is_dir():
            if not child.name.startswith("__"):
                _collect(child, f"{name}/", found)
        elif child.name.endswith((".yaml", ".json")):
            found[name] = child.read_bytes()


def init(args: argparse.Namespace) -> int:
    target = Path(args.directory)
    planned = starter_files()
    existing = sorted(name for name in planned if (target / name).exists())
    if existing:
        raise GuardError(f"{target}: would overwrite {', '.join(existing)}; nothing written "
                         "(choose another directory, or move those files)")
    if target.exists() and not target.is_dir():
        raise GuardError(f"{target} exists and is not a directory")
    for name, content in sorted(planned.items()):
        path = target / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("xb") as handle:  # "x": a file that appeared meanwhile is kept
                handle.write(content)
        except OSError as exc:
            raise GuardError(f"cannot write {path}: {exc.strerror}") from exc
        print(f"wrote {path}")
    print(_next_steps(str(target)))
    return 0


def _next_steps(where: str) -> str:
    return "\n".join([
        "next:",
        f"  guard lint {where}",
        f"  guard test {where}",
        f"  guard check {where} {Path(where) / 'requests' / 'chat.json'} --format text",
        f"  guard serve {where} --upstream https://your-gateway.example",
    ])
