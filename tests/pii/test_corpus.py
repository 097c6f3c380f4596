"""The team's labelled corpus (tests/data/pii_corpus.yaml) against a default PII policy.

Every labelled value must be found with its entity and its exact span, and every
look-alike (timestamps, SHAs, bad checksums, invalid SSNs, prices, short codes) must
yield nothing. The detector is the one a default ``type: pii`` policy builds, with the
default settings, so this is what users get out of the box.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from guard.pii.build import build_detector
from guard.pii.detector import Detector
from guard.policy.settings import PiiSettings
from guard.policy.types import PiiPolicy

CORPUS: dict[str, Any] = yaml.safe_load(
    (Path(__file__).parents[1] / "data" / "pii_corpus.yaml").read_text(encoding="utf-8"))
POSITIVES: list[dict[str, Any]] = CORPUS["positives"]
LOOKALIKES: list[dict[str, Any]] = CORPUS["lookalikes"]


@pytest.fixture(scope="module")
def detector() -> Detector:
    return build_detector(PiiPolicy(name="pii", type="pii"), None, PiiSettings().phone_regions)


def expected(entry: dict[str, Any]) -> list[tuple[str, int, int]]:
    text = entry["text"]
    spans = []
    for entity, value in entry["expect"]:
        assert text.count(str(value)) == 1, f"{value!r} must occur once in {text!r}"
        start = text.index(str(value))
        spans.append((entity, start, start + len(str(value))))
    return sorted(spans, key=lambda s: s[1])


@pytest.mark.parametrize("entry", POSITIVES, ids=[e["text"][:40] for e in POSITIVES])
def test_true_positive_found_with_its_entity_and_span(detector: Detector,
                                                      entry: dict[str, Any]) -> None:
    found = [(f.entity, f.start, f.end) for f in detector.find(entry["text"])]
    assert found == expected(entry)


@pytest.mark.parametrize("entry", LOOKALIKES, ids=[e["why"] for e in LOOKALIKES])
def test_lookalike_is_not_reported(detector: Detector, entry: dict[str, Any]) -> None:
    text = entry["text"]
    assert [(f.entity, text[f.start:f.end]) for f in detector.find(text)] == []


def test_corpus_covers_every_default_entity_and_stays_small() -> None:
    entities = {entity for entry in POSITIVES for entity, _ in entry["expect"]}
    assert entities == set(PiiPolicy(name="pii", type="pii").entities)
    assert 60 <= len(POSITIVES) + len(LOOKALIKES) <= 140
