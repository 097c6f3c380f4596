"""Floors on the public evaluation sets, skipped where they are not present.

The figures themselves are reported by ``python -m benchmarks.quality_content``; these
floors sit just below what the catalogs reach (injection 2026-11-23, secrets and
identifiers 2026-11-24), so a heuristic or catalog change that makes detection worse, or
blocks more harmless text, fails here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from benchmarks.quality_categories import injection_by_category, secrets_by_provider
from benchmarks.quality_content import injection_quality, secrets_quality, xstest_quality

ROOT = Path(os.environ.get("GUARD_EVALSETS", Path(__file__).parents[3] / "shared" / "evalsets"))
pytestmark = pytest.mark.skipif(not ROOT.is_dir(), reason=f"no evaluation sets at {ROOT}")


def test_injection_floors() -> None:
    quality = injection_quality(ROOT)
    for source, q in quality.items():
        if q["label"] == 0:
            assert q["flagged"] <= 0.02, source
    assert quality["inthewild_jailbreak"]["flagged"] >= 0.74
    # 0.79: four rows there are persuasion alone, whose ask only the system prompt reveals
    # (levers count at most lever_cap since issue 18; a judge's work)
    assert quality["cyberseceval_pi/direct"]["flagged"] >= 0.79
    assert quality["cyberseceval_pi/indirect"]["flagged"] >= 0.88
    assert xstest_quality(ROOT)["flagged"] <= 0.01


def test_injection_floors_with_the_learned_signal() -> None:
    quality = injection_quality(ROOT, model=True)
    for source, q in quality.items():
        if q["label"] == 0:
            assert q["flagged"] <= 0.02, source
    assert quality["inthewild_jailbreak"]["flagged"] >= 0.80
    assert quality["cyberseceval_pi/direct"]["flagged"] >= 0.79  # as the test above
    assert quality["cyberseceval_pi/indirect"]["flagged"] >= 0.88
    assert xstest_quality(ROOT, model=True)["flagged"] <= 0.01


def test_secrets_floors() -> None:
    quality = secrets_quality(ROOT)
    assert quality["recall"] >= 0.88
    assert quality["secret_recall"] >= 0.97
    assert quality["fp_rate"] <= 0.04
    assert quality["removed"] == 1.0  # issue 18: every detected row's secret value is gone


def test_identifiers_floors() -> None:
    quality = secrets_quality(ROOT, identifiers=True)
    assert quality["recall"] >= 0.94
    assert quality["fp_rate"] <= 0.05


def test_every_category_is_reported_with_its_false_positive_rate() -> None:
    """Per category of the sets, both scanners in both roles; no benign category of the
    injection set is flagged at more than 10% as a user message, by either."""
    injection = injection_by_category(ROOT)
    assert len(injection) >= 30 and sum(q["rows"] for q in injection.values()) == 1398
    for key, q in injection.items():
        assert {"heuristics, user", "heuristics, tool", "with model, user",
                "with model, tool"} <= set(q), key
        if q["label"] == 0:
            assert q["heuristics, user"] <= 0.10 and q["with model, user"] <= 0.10, key
    secrets = secrets_by_provider(ROOT)
    assert any(k.endswith("negatives") for k in secrets)
    assert all(0.0 <= q["secrets"] <= q["+ identifiers"] <= 1.0 for q in secrets.values())
