"""Detection quality of guard's PII detector, beside raw Presidio, on sets nobody on the team wrote.

    python -m benchmarks.quality_pii [EVALSETS_DIR] [--misses N]

EVALSETS_DIR defaults to ``../shared/evalsets`` beside the repository. Two sets:

- ``pii/presidio_synth_v2.jsonl`` (Faker sentences from presidio-research): per-entity
  precision and recall for the six pattern entities of guard's default policy.
- ``pii/presidio_recognizer_cases.jsonl`` (literal cases of Presidio's own recognizer
  tests): recall on its hard positives and rejection of its look-alikes (label 0: bad
  checksums, partial IPs, invalid SSNs).

A third table measures the set made here from templates and generated values
(:mod:`benchmarks.pii_made`: numbering words in many languages, versions and OIDs, IBANs
of many countries in any case and spacing, cards inside longer runs, SSN writings), per
entity and per class of input; it checks on writing the public sets do not contain. Two
more measure its untuned class (:mod:`benchmarks.pii_crowded`: the six entities among the
other numbers synthetic multilingual sets carry) and that class's fresh templates.

Both detectors are measured in the same run with the same entities, phone regions and
score threshold: guard's (``build_detector`` of a default ``type: pii`` policy: its own
phone rules, the card networks' issuer ranges beside Presidio's card pattern, candidate
windows, its own context boost, overlap resolution, normalization) and a tuned raw
Presidio ``AnalyzerEngine`` (no-op NLP engine, an explicit registry of Presidio's six
recognizers). The difference between the two columns is what guard's own layer costs or
adds. A found value counts when its entity matches and its span *overlaps* the labelled
one (the sets' span ends are not always exact around separators). The sets measure; they
are not a source of rules.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")  # before Presidio's import

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "evalsets"
ENTITIES = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "US_SSN")
LABELS = {entity: entity for entity in ENTITIES}
"""Evaluation-set label -> Presidio entity. The sets already use Presidio's names for these
six; their other labels (PERSON, STREET_ADDRESS, DOMAIN_NAME, ...) are not measured."""
MIN_SCORE = 0.4  # the policy default, applied to both detectors

Span = tuple[str, int, int]  # entity, start, end
Find = Callable[[str], list[Span]]


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


@cache
def guard_find() -> Find:
    """guard's detector for a default ``type: pii`` policy with the default settings."""
    from guard.pii.build import build_detector
    from guard.policy.settings import PiiSettings
    from guard.policy.types import PiiPolicy

    policy = PiiPolicy(name="pii", type="pii", entities=list(ENTITIES), min_score=MIN_SCORE)
    detector = build_detector(policy, None, PiiSettings().phone_regions)
    return lambda text: [(f.entity, f.start, f.end) for f in detector.find(text)]


@cache
def presidio_find() -> Find:
    """Raw Presidio, tuned as DESIGN.md says: no NLP model, an explicit registry, regions."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
        UsSsnRecognizer,
    )

    from guard.policy.settings import PiiSettings

    config = {"nlp_engine_name": "no_op", "models": [{"lang_code": "en", "model_name": "none"}]}
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (EmailRecognizer(), CreditCardRecognizer(), IbanRecognizer(),
                       IpRecognizer(), UsSsnRecognizer(),
                       PhoneRecognizer(supported_regions=PiiSettings().phone_regions)):
        registry.add_recognizer(recognizer)
    engine = AnalyzerEngine(registry=registry, supported_languages=["en"],
                            nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine())

    def find(text: str) -> list[Span]:
        results = engine.analyze(text, language="en", entities=list(ENTITIES),
                                 score_threshold=MIN_SCORE)
        return [(r.entity_type, r.start, r.end) for r in results]

    return find


DETECTORS: dict[str, Callable[[], Find]] = {"guard": guard_find, "presidio": presidio_find}


def _overlaps(a: Span, b: Span) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def _gold(row: dict[str, Any]) -> list[Span]:
    return [(LABELS[s["label"]], s["start"], s["end"]) for s in row["spans"]
            if s["label"] in LABELS]


def _show(text: str, spans: Sequence[Span]) -> str:
    return f"{[text[s:e] for _, s, e in spans]} in {text[:160]!r}"


def synth_quality(root: Path, detector: str = "guard") -> dict[str, dict[str, Any]]:
    """Per entity: gold spans, found, predictions, precision, recall, misses, false positives."""
    find = DETECTORS[detector]()
    counts: dict[str, dict[str, Any]] = {
        e: {"gold": 0, "found": 0, "predicted": 0, "correct": 0, "misses": [], "fps": []}
        for e in ENTITIES}
    for row in _rows(root / "pii" / "presidio_synth_v2.jsonl"):
        text, gold, predicted = row["text"], _gold(row), find(row["text"])
        for span in gold:
            c = counts[span[0]]
            c["gold"] += 1
            hit = any(_overlaps(span, p) for p in predicted)
            c["found"] += hit
            if not hit:
                c["misses"].append(_show(text, [span]))
        for span in predicted:
            c = counts[span[0]]
            c["predicted"] += 1
            hit = any(_overlaps(span, g) for g in gold)
            c["correct"] += hit
            if not hit:
                c["fps"].append(_show(text, [span]))
    for c in counts.values():
        c["recall"] = c["found"] / c["gold"] if c["gold"] else 1.0
        c["precision"] = c["correct"] / c["predicted"] if c["predicted"] else 1.0
    return counts


def made_quality(detector: str = "guard", made: str = "made") -> dict[str, Any]:
    """Per entity precision and recall on :mod:`benchmarks.pii_made` (``made="crowded"``:
    its untuned class, :mod:`benchmarks.pii_crowded`; ``"forms"``: the third untuned round,
    :mod:`benchmarks.pii_forms`), and per class of input its misses and
    false positives."""
    from benchmarks import pii_crowded, pii_forms, pii_made

    rows = {"crowded": pii_crowded.rows, "crowded fresh": pii_crowded.fresh_rows,
            "forms": pii_forms.rows}.get(
        made, pii_made.rows)
    find = DETECTORS[detector]()
    counts: dict[str, dict[str, Any]] = {
        e: {"gold": 0, "found": 0, "predicted": 0, "correct": 0, "misses": [], "fps": []}
        for e in ENTITIES}
    by_class: dict[str, dict[str, int]] = defaultdict(lambda: {"rows": 0, "missed": 0, "fp": 0})
    for row in rows():
        text, gold = row["text"], [tuple(s) for s in row["spans"]]
        predicted = find(text)
        klass = by_class[row["cls"]]
        klass["rows"] += 1
        for span in gold:
            hit = any(_overlaps(span, p) for p in predicted)
            counts[span[0]]["gold"] += 1
            counts[span[0]]["found"] += hit
            klass["missed"] += not hit
            if not hit:
                counts[span[0]]["misses"].append(_show(text, [span]))
        for span in predicted:
            hit = any(_overlaps(span, g) for g in gold)
            counts[span[0]]["predicted"] += 1
            counts[span[0]]["correct"] += hit
            klass["fp"] += not hit
            if not hit:
                counts[span[0]]["fps"].append(_show(text, [span]))
    for c in counts.values():
        c["recall"] = c["found"] / c["gold"] if c["gold"] else 1.0
        c["precision"] = c["correct"] / c["predicted"] if c["predicted"] else 1.0
    return {"entities": counts, "classes": dict(by_class)}


def lookalike_quality(root: Path, detector: str = "guard") -> dict[str, dict[str, Any]]:
    """Per entity of the recognizer cases: recall on positives, rejection of look-alikes.

    A look-alike is rejected when nothing of *its* entity is reported (some contain
    another entity on purpose, e.g. a phone number beside a broken IBAN); ``clean`` is
    the stricter share with no finding of any of the six entities.
    """
    find = DETECTORS[detector]()
    counts: dict[str, dict[str, Any]] = defaultdict(lambda: {
        "positives": 0, "found": 0, "lookalikes": 0, "rejected": 0, "clean": 0,
        "misses": [], "fps": []})
    for row in _rows(root / "pii" / "presidio_recognizer_cases.jsonl"):
        entity, text = row["entity"], row["text"]
        if entity not in LABELS:
            continue
        c = counts[LABELS[entity]]
        every = find(text)
        predicted = [p for p in every if p[0] == LABELS[entity]]
        if row["label"] == 0:
            c["lookalikes"] += 1
            c["rejected"] += not predicted
            c["clean"] += not every
            if predicted:
                c["fps"].append(_show(text, predicted))
            continue
        for span in _gold(row):
            c["positives"] += 1
            hit = any(_overlaps(span, p) for p in predicted)
            c["found"] += hit
            if not hit:
                c["misses"].append(_show(text, [span]))
    for c in counts.values():
        c["recall"] = c["found"] / c["positives"] if c["positives"] else None
        c["rejection"] = c["rejected"] / c["lookalikes"] if c["lookalikes"] else None
        c["clean_rate"] = c["clean"] / c["lookalikes"] if c["lookalikes"] else None
    return dict(sorted(counts.items()))


def _pct(value: float | None) -> str:
    return "     -" if value is None else f"{value:6.1%}"


def report(root: Path, show_misses: int = 0) -> list[str]:
    """Readable lines: both tables, guard and raw Presidio side by side."""
    synth = {d: synth_quality(root, d) for d in DETECTORS}
    cases = {d: lookalike_quality(root, d) for d in DETECTORS}
    lines = [f"presidio_synth_v2 (span match: same entity, overlapping span; score >= {MIN_SCORE})",
             f"{'entity':<15} {'n':>4}  {'guard P':>8} {'guard R':>8}  {'presidio P':>10} "
             f"{'presidio R':>10}"]
    for entity in ENTITIES:
        g, p = synth["guard"][entity], synth["presidio"][entity]
        lines.append(f"{entity:<15} {g['gold']:>4}  {_pct(g['precision']):>8} "
                     f"{_pct(g['recall']):>8}  {_pct(p['precision']):>10} {_pct(p['recall']):>10}")
        lines += _examples(synth, entity, show_misses)
    lines += ["", "presidio_recognizer_cases (recall on hard positives; look-alikes rejected: "
              "nothing of their entity; clean: nothing at all)",
              f"{'entity':<15} {'pos':>4} {'guard R':>8} {'presidio R':>10}  {'look':>4} "
              f"{'guard rej':>9} {'presidio rej':>12}  {'guard clean':>11} {'presidio clean':>14}"]
    for entity, g in cases["guard"].items():
        p = cases["presidio"][entity]
        lines.append(f"{entity:<15} {g['positives']:>4} {_pct(g['recall']):>8} "
                     f"{_pct(p['recall']):>10}  {g['lookalikes']:>4} {_pct(g['rejection']):>9} "
                     f"{_pct(p['rejection']):>12}  {_pct(g['clean_rate']):>11} "
                     f"{_pct(p['clean_rate']):>14}")
        lines += _examples(cases, entity, show_misses)
    for made, title in (
            ("made", "made here (benchmarks/pii_made.py: templates and generated values)"),
            ("crowded", "untuned: PII among other numbers (benchmarks/pii_crowded.py)"),
            ("crowded fresh", "its fresh templates, written after the rules for it"),
            ("forms", "untuned: PII in forms, CSV, JSON, chat and addresses "
             "(benchmarks/pii_forms.py)")):
        lines += ["", title, *_made_table(made, show_misses)]
    return lines


def _made_table(made: str, show_misses: int) -> list[str]:
    """The per-entity and per-class lines of one made set, guard beside raw Presidio."""
    quality = {d: made_quality(d, made) for d in DETECTORS}
    lines = [f"{'entity':<15} {'n':>4}  {'guard P':>8} {'guard R':>8}  {'presidio P':>10} "
             f"{'presidio R':>10}"]
    entities = {d: m["entities"] for d, m in quality.items()}
    for entity in ENTITIES:
        g, p = entities["guard"][entity], entities["presidio"][entity]
        lines.append(f"{entity:<15} {g['gold']:>4}  {_pct(g['precision']):>8} "
                     f"{_pct(g['recall']):>8}  {_pct(p['precision']):>10} {_pct(p['recall']):>10}")
        lines += _examples(entities, entity, show_misses)
    lines += [f"{'class':<28} {'rows':>4}  {'guard missed':>12} {'guard fp':>8}  "
              f"{'presidio missed':>15} {'presidio fp':>11}"]
    for name, g in quality["guard"]["classes"].items():
        p = quality["presidio"]["classes"][name]
        lines.append(f"{name:<28} {g['rows']:>4}  {g['missed']:>12} {g['fp']:>8}  "
                     f"{p['missed']:>15} {p['fp']:>11}")
    return lines


def _examples(quality: dict[str, dict[str, dict[str, Any]]], entity: str, n: int) -> list[str]:
    lines = []
    for detector, by_entity in quality.items():
        c = by_entity[entity]
        lines += [f"    {detector} miss: {m}" for m in c["misses"][:n]]
        lines += [f"    {detector} fp:   {m}" for m in c["fps"][:n]]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality_pii")
    parser.add_argument("root", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--misses", type=int, default=0, help="show up to N misses and false "
                        "positives per entity and detector")
    args = parser.parse_args()
    print("\n".join(report(args.root, args.misses)))


if __name__ == "__main__":
    main()
