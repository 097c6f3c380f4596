"""The distribution as pip sees it: its name, licence, version and command agree everywhere.

``guard`` on PyPI is an unrelated package, so the distribution is ``guard-llm`` while the
import package and the command stay ``guard``. These tests catch the drift that would
send ``pip install 'guard-llm[redis]'`` users somewhere else or ship the wrong licence.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import tomllib
from pathlib import Path
from typing import Any

import pytest

import guard

ROOT = Path(__file__).resolve().parents[1]
# sha256 of https://www.apache.org/licenses/LICENSE-2.0.txt, the standard text unchanged
APACHE_2_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
OLD_NAME = "guard"  # the name before the rename, taken on PyPI by someone else


def project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        table: dict[str, Any] = tomllib.load(handle)["project"]
    return table


def test_distribution_name_is_not_the_taken_one() -> None:
    assert project()["name"] == "guard-llm"
    assert project()["scripts"] == {"guard": "guard.cli.main:main"}


def test_licence_file_is_the_standard_apache_2_text() -> None:
    meta = project()
    assert meta["license"] == "Apache-2.0"
    assert meta["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_bytes()
    assert hashlib.sha256(text).hexdigest() == APACHE_2_SHA256
    # PEP 639: a licence expression and a "License ::" classifier may not both be given
    assert not [c for c in meta["classifiers"] if c.startswith("License ::")]


def test_version_is_declared_once_in_agreement() -> None:
    assert project()["version"] == guard.__version__


def test_installed_metadata_agrees_with_pyproject() -> None:
    """What ``pip install`` recorded: fails when an install drifts from pyproject."""
    meta = project()
    names = set(importlib.metadata.packages_distributions().get("guard", []))
    if names == {OLD_NAME}:
        pytest.skip("installed before the rename: pip uninstall guard && pip install -e .")
    assert names == {meta["name"]}  # one distribution provides `import guard`
    installed = importlib.metadata.metadata(meta["name"])
    assert installed["Version"] == meta["version"]
    assert installed["License-Expression"] == "Apache-2.0"
    assert set(meta["optional-dependencies"]) <= set(installed.get_all("Provides-Extra") or [])
    scripts = importlib.metadata.entry_points(group="console_scripts", name="guard")
    assert [s.value for s in scripts] == ["guard.cli.main:main"]
