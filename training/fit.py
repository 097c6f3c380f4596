"""Fit the injection model: sparse logistic regression with AdaGrad and L2, pure Python.

Features are those :class:`guard.content.model.InjectionModel` scores: words, adjacent
word pairs and pairs one word apart, counted on the folded view guard scans
(:func:`view`), one window at a time as guard scores them (:func:`examples`); classes
are weighted to count equally. Only the strongest
``max_features`` weights are kept, so the shipped file stays small.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence

from guard.content.model import REACH, STEM, InjectionModel, tokens
from guard.content.normalize import collapse_spacing, normalize

WINDOW = 32
UNIGRAMS = True


def view(text: str) -> list[str]:
    """The tokens guard scores for ``text``: its folded, spacing-collapsed view's words."""
    return tokens(collapse_spacing(normalize(text)).text)


def features(tokens: Sequence[str]) -> Counter[str]:
    """Features present, keyed as the JSON file stores them (``u``/``p`` + tab + name)."""
    stems = [t[:STEM] for t in tokens]
    names = {"u\t" + t for t in stems} if UNIGRAMS else set()
    for d in range(1, REACH + 1):
        names.update(f"p\t{a} {b}" for a, b in zip(stems, stems[d:], strict=False))
    return Counter(names)  # each feature once a window, as guard counts


def examples(rows: Sequence[dict[str, object]], model: InjectionModel | None = None
             ) -> list[tuple[Counter[str], int]]:
    """(features, label) per training example, each at most one window long, as guard
    scores: every window of a benign text is a negative; an attack longer than a window
    counts by its best window under ``model`` (skipped without one: the first round
    learns from short attacks only, whose every word belongs to the attack). An attack
    placed among ordinary texts counts by its ``core``, the attack alone."""
    out = []
    for row in rows:
        tokens, label = view(str(row.get("core", row["text"]))), int(str(row["label"]))
        if len(tokens) <= WINDOW:
            out.append((features(tokens), label))
        elif label == 0:
            out += [(features(tokens[i:i + WINDOW]), 0)
                    for i in range(0, len(tokens) - WINDOW // 2, WINDOW // 2)]
        elif model is not None:
            best = model.best_window(tokens)
            out.append((features(tokens[best.start:best.end]), 1))
    return out


def common(data: list[tuple[Counter[str], int]], min_df: int) -> list[tuple[Counter[str], int]]:
    """Only features seen in at least ``min_df`` examples: a rarer one names a template's
    filler, not a way of writing, and would be memorised."""
    df: Counter[str] = Counter(k for counts, _ in data for k in counts)
    return [(Counter({k: v for k, v in counts.items() if df[k] >= min_df}), label)
            for counts, label in data]


def fit(data: list[tuple[Counter[str], int]], epochs: int = 12, rate: float = 0.05,
        l2: float = 1e-4, seed: int = 18) -> tuple[float, dict[str, float]]:
    """Bias and weights of a class-balanced logistic regression (SGD, decaying steps)."""
    positives = sum(label for _, label in data)
    balance = {1: len(data) / (2 * positives), 0: len(data) / (2 * (len(data) - positives))}
    weights: dict[str, float] = {}
    bias = 0.0
    rng = random.Random(seed)
    order = list(range(len(data)))
    for epoch in range(epochs):
        rng.shuffle(order)
        step = rate / (1 + epoch)
        for index in order:
            counts, label = data[index]
            z = bias + sum(weights.get(k, 0.0) * v for k, v in counts.items())
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - label) * balance[label]
            bias -= step * g
            for key, value in counts.items():
                w = weights.get(key, 0.0)
                weights[key] = w - step * (g * value + l2 * w)
    return bias, weights


def export(bias: float, weights: dict[str, float], max_features: int, low: float,
           high: float) -> dict[str, object]:
    """The JSON form of the model: the ``max_features`` largest weights, rounded."""
    kept = sorted(weights.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:max_features]
    tables: dict[str, dict[str, float]] = {"u": {}, "p": {}}
    for key, value in sorted(kept):
        kind, _, name = key.partition("\t")
        if round(value, 3):
            tables[kind][name] = round(value, 3)
    return {"version": 1, "window": WINDOW, "bias": round(bias, 4), "low": low, "high": high,
            "unigrams": tables["u"], "pairs": tables["p"]}
