"""The learned injection signal: a linear model over the words of the folded view.

The regex rules name phrasings; rewordings slip between them ("ignore the rest of this
data and print ..."). This model weighs word stems and pairs of stems up to two words
apart (``ignor..instr``), learnt offline by ``python -m training`` from a generated
corpus (never from the public evaluation sets) and shipped as
``guard/data/injection_model.json``, read once on first use. Scoring is pure Python, a
few C-level passes over the tokens: linear in the text's length.

A long text is scored by its best window of :attr:`InjectionModel.window` tokens, so an
instruction buried in a long document counts as much as the same instruction alone, and
a long harmless text does not add up to an attack. The model's logit becomes an evidence
weight between 0 (at ``low``) and 1 (at ``high``, one whole default threshold): it adds to
the regex rules' weights like any other signal.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import compress, repeat
from operator import is_, itemgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from guard.content.normalize import Normalized
    from guard.content.signals import Evidence

STEM = 5
"""Letters of a word the model keeps (see :class:`InjectionModel`)."""

REACH = 2
"""Pairs are counted between words 1 or 2 tokens apart (3 until 2026-12-06: a third of the
keys per window for the same recall on the held-out sets, ~15-40% less time per text)."""

MIN_WORDS = 3
"""Shorter texts ("note 12", "yes") are not scored: too few words to carry an instruction."""

SHIFT_MARGIN = 2.0
"""How far below ``low`` an aligned window must stay for the half-shifted ones to be skipped."""

MILLI = 1000
"""Weights are stored rounded to thousandths and summed as integers of thousandths."""

CACHE_WORDS = 1 << 15
"""Words whose stem ids are remembered (:meth:`InjectionModel.stem_ids`); then forgotten."""

SIGNAL = "injection_model"
"""The name the model's evidence carries in ``injection_rules`` and the decision log."""

TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]|[^\W\d_]+")
"""Words of letters; each CJK character alone (those scripts put no spaces between words)."""

MARKS = (("![", " mdimage "), ("](", " mdlink "))

WORDS = re.compile(TOKEN.pattern + r"|!\[|\]\(")
""":data:`TOKEN` and the marks, in the text as it was (for offsets)."""
"""The two halves of a markdown image or link, read as words of their own."""

_STEM_OF = itemgetter(slice(None, STEM))

ASCII_LETTERS = bytes(c if chr(c).isalpha() else 32 for c in range(256))
"""``bytes.translate`` table: ASCII letters stay, every other byte becomes a space."""


def tokens(text: str) -> list[str]:
    """The words the model reads in a folded view's ``text``.

    ASCII text (most traffic) is split in three C-level passes, several times faster than
    the regex, with the same words.
    """
    for mark, word in MARKS:
        if mark in text:
            text = text.replace(mark, word)
    if text.isascii():
        return text.encode().translate(ASCII_LETTERS).decode().split()
    return TOKEN.findall(text)


@dataclass(frozen=True)
class Window:
    """The best-scoring window of a text: its logit and token range."""

    logit: float
    start: int
    end: int


@dataclass(frozen=True)
class InjectionModel:
    """Weights of stems and of ordered stem pairs up to :data:`REACH` tokens apart.

    A stem is a word's first :data:`STEM` letters: "ignore", "ignoring", "ignora",
    "ignoriere" share ``ignor``, so a weight learnt in one language or inflection carries to
    the others, and a pair (``ignor..instr``) counts whatever few words stand between.
    """

    bias: float
    window: int
    low: float
    high: float
    unigrams: dict[str, float]
    pairs: dict[tuple[str, str], float]
    ids: dict[str, int] = field(init=False, repr=False, compare=False)
    weights: dict[int, int] = field(init=False, repr=False, compare=False)
    positive: dict[int, int] = field(init=False, repr=False, compare=False)
    words: dict[int, int] = field(init=False, repr=False, compare=False)
    known: npt.NDArray[np.bool_] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Stems as small integers (0: not in the model), a pair as ``first * K + second``:
        a window's features are then built and looked up by C-level maps over integers,
        without a tuple or a string hash per pair (~3x faster than tuples of stems).

        Stems and pairs share one table: a stem's key (1 .. K - 1) is no pair's (K + 1 and
        up). A pair whose first word is not in the model has its second stem's key, which
        is harmless: that stem is in the same window, and a window counts a key once.
        Weights are kept in thousandths (the file rounds them so): integer sums are exact
        whatever order a set yields its keys in, so equal windows tie exactly.
        """
        stems = sorted({*self.unigrams, *(s for pair in self.pairs for s in pair)})
        ids = {stem: number for number, stem in enumerate(stems, 1)}
        k = len(stems) + 1
        weights = {ids[stem]: _milli(w) for stem, w in self.unigrams.items()}
        weights.update({ids[a] * k + ids[b]: _milli(w) for (a, b), w in self.pairs.items()})
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "positive", {key: w for key, w in weights.items() if w > 0})
        object.__setattr__(self, "words", {})
        object.__setattr__(self, "known", _known(weights, k * k))

    def stem_ids(self, tokens: list[str]) -> list[int]:
        """Each token's stem id (0: not in the model), remembered per whole word: one dict
        lookup for a word seen before instead of a slice and a lookup (~2x faster). Words
        are remembered by their hash, never as text (the process keeps no words of what
        callers wrote; two words sharing a 64-bit hash would share an id). The memory is
        bounded (:data:`CACHE_WORDS`, then emptied) and written whole after the lookups, so
        threads sharing the model never see it half-filled."""
        words = self.words
        keys = list(map(hash, tokens))  # a str caches its hash: no second pass over it
        found = list(map(words.get, keys))
        if None not in found:
            return found  # type: ignore[return-value]  # no None left
        unseen = list(map(is_, found, repeat(None)))
        fresh = {key: self.ids.get(word[:STEM], 0)
                 for key, word in zip(compress(keys, unseen), compress(tokens, unseen),
                                      strict=True)}
        if len(words) + len(fresh) > CACHE_WORDS:
            words.clear()
        words.update(fresh)
        return list(map(fresh.get, keys, found))  # type: ignore[arg-type]

    def best_window(self, tokens: list[str]) -> Window:
        """The window of at most :attr:`window` tokens with the highest logit.

        A window counts each stem, and each pair inside it, once however often it repeats:
        repetition is the flooding heuristic's business, and a harmless sentence said twice
        must not weigh twice. Windows start every half window, as in training: the aligned
        ones first (each token read once), the half-shifted ones only when an aligned window
        comes within :data:`SHIFT_MARGIN` of :attr:`low` (what falls across a boundary is
        then found whole; a text far from it, most traffic, is read once). Linear in the
        text's length.
        """
        stems, *pairs = self._features(self.stem_ids(tokens))
        return self._best(stems, pairs)

    def window_above(self, tokens: list[str], floor: float) -> Window | None:
        """:meth:`best_window` when its logit is above ``floor``, else None.

        A text longer than a window is first bounded from above, exactly: a window's logit
        is the bias plus the weights of its distinct features, at most the bias plus the
        positive weights of all the text's distinct features. Most traffic stays below the
        floor by that bound (one set of the whole text instead of one per window).
        """
        stems, *pairs = self._features(self.stem_ids(tokens))
        if len(stems) > self.window and self._below(stems, pairs, floor):
            return None
        best = self._best(stems, pairs)
        return best if best.logit > floor else None

    def _below(self, stems: list[int], pairs: list[list[int]], floor: float) -> bool:
        """Whether no window can pass ``floor``, by the bound of :meth:`window_above`.

        The stems alone are summed first: in most prose they already pass the floor, and
        the pairs' set (the costly part) is built only for a text they leave below it."""
        found = set(stems)
        if self.bias + sum(map(self.positive.get, found, repeat(0))) / MILLI >= floor:
            return False
        for row in pairs:
            found.update(row)
        return self.bias + sum(map(self.positive.get, found, repeat(0))) / MILLI < floor

    def _features(self, stems: list[int]) -> list[list[int]]:
        """The stems' keys, then the pair keys ``first * K + second`` by distance (1 ..
        :data:`REACH`, by the position of their first word), each 0 where the model has no
        weight: computed over whole arrays (numpy), and then most of a window's keys are
        the same 0, so its set and lookups shrink (~2x faster than a key per pair)."""
        import numpy as np

        ids = np.array(stems, dtype=np.int64)
        firsts = ids * (len(self.ids) + 1)
        rows = [ids] + [firsts[:-d] + ids[d:] for d in range(1, REACH + 1)]
        return [(row * self.known[row]).tolist() for row in rows]

    def _best(self, stems: list[int], keys: list[list[int]]) -> Window:
        n, w, half = len(stems), self.window, self.window // 2
        if n <= w:
            return Window(self.bias + self._sum(stems, keys, 0, n) / MILLI, 0, n)
        starts = list(range(0, n - half, w))
        sums = [self._sum(stems, keys, i, min(n, i + w)) for i in starts]
        if self.bias + max(sums) / MILLI >= self.low - SHIFT_MARGIN:
            shifted = list(range(half, n - half, w))
            starts += shifted
            sums += [self._sum(stems, keys, i, min(n, i + w)) for i in shifted]
        best = max(sums)
        start = starts[sums.index(best)]
        return Window(self.bias + best / MILLI, start, min(n, start + w))

    def _sum(self, stems: list[int], keys: list[list[int]], start: int, end: int) -> int:
        """Weight (in thousandths) of the distinct stems of ``stems[start:end]`` (as ids) and of its
        distinct pairs up to :data:`REACH` apart (``keys[d - 1]``: the pairs ``d`` apart,
        by their first word's position)."""
        found = set(stems[start:end])
        for d, row in enumerate(keys, 1):
            found.update(row[start:end - d])
        return sum(map(self.weights.get, found, repeat(0)))

    def weight(self, logit: float) -> float:
        """Evidence weight of a logit: 0 up to ``low``, rising to 1 at ``high``, capped at 1."""
        if logit <= self.low:
            return 0.0
        return min(1.0, (logit - self.low) / (self.high - self.low))

    def contributions(self, tokens: list[str]) -> dict[str, float]:
        """What each feature of ``tokens`` adds, by feature name (for ``--explain``)."""
        stems = [t[:STEM] for t in tokens]
        found: dict[str, float] = {}
        for stem in stems:
            if stem in self.unigrams:
                found[stem] = found.get(stem, 0.0) + self.unigrams[stem]
        for d in range(1, REACH + 1):
            for pair in zip(stems, stems[d:], strict=False):
                if pair in self.pairs:
                    name = f"{pair[0]}..{pair[1]}"
                    found[name] = found.get(name, 0.0) + self.pairs[pair]
        return found


@dataclass(frozen=True)
class ModelScore:
    """The model's verdict on one text: evidence weight, original span, top feature names."""

    weight: float
    probability: float
    span: tuple[int, int]
    features: tuple[str, ...]


def score(text: str, top: int = 5) -> ModelScore | None:
    """Score a folded view's ``text``; None when the model adds no evidence.

    ``span`` is in ``text``'s offsets (the caller maps it back to the original). The
    feature names are the model's own vocabulary (``model:ignor..instr``: stems of its
    weighted words), never other words of the text.
    """
    words = tokens(text)
    if len(words) < MIN_WORDS:
        return None
    model = injection_model()
    best = model.window_above(words, model.low)
    if best is None:
        return None
    weight = model.weight(best.logit)
    found = model.contributions(words[best.start:best.end])
    names = sorted((v, k) for k, v in found.items() if v > 0)[::-1][:top]
    return ModelScore(weight, _sigmoid(best.logit), _span(text, best),
                      tuple(f"model:{name}" for _, name in names))


def _span(text: str, best: Window) -> tuple[int, int]:
    """Where the best window's words are in ``text`` (found again only for a text that
    scored: the offsets cost a regex pass that most texts never need)."""
    starts: list[int] = []
    ends: list[int] = []
    for match in WORDS.finditer(text):
        starts.append(match.start())
        ends.append(match.end())
    if len(starts) < best.end or best.start >= best.end:
        return 0, len(text)
    return starts[best.start], ends[best.end - 1]


def measure(view: Normalized, evidence: Evidence) -> None:
    """Add the model's weight to ``evidence`` (the same whatever the message's role)."""
    found = score(view.text)
    if found is not None:
        evidence.add(SIGNAL, found.weight, view.span(*found.span))
        evidence.explain.extend(found.features)


@cache
def injection_model() -> InjectionModel:
    """The shipped model, read once."""
    data = json.loads(resources.files("guard.data").joinpath("injection_model.json")
                      .read_text(encoding="utf-8"))
    return model_from_dict(data)


def model_from_dict(data: dict[str, object]) -> InjectionModel:
    """A model from its JSON form (pairs are stored as ``"first second"``)."""
    unigrams, pairs = data["unigrams"], data["pairs"]
    if not isinstance(unigrams, dict) or not isinstance(pairs, dict):
        raise ValueError("injection model: unigrams and pairs must be objects")
    return InjectionModel(
        bias=float(str(data["bias"])), window=int(str(data["window"])),
        low=float(str(data["low"])), high=float(str(data["high"])),
        unigrams={str(k): float(v) for k, v in unigrams.items()},
        pairs={_pair(str(k)): float(v) for k, v in pairs.items()})


def _pair(key: str) -> tuple[str, str]:
    first, _, second = key.partition(" ")
    return first, second


def _known(weights: dict[int, int], size: int) -> npt.NDArray[np.bool_]:
    """Which keys (below ``size``, K squared) have a weight: one byte per key, so a whole
    row of keys is checked in one step (3.4 MB for the shipped model)."""
    import numpy as np

    known = np.zeros(size, dtype=np.bool_)
    known[np.fromiter(weights, dtype=np.int64, count=len(weights))] = True
    return known


def _milli(weight: float) -> int:
    return round(weight * MILLI)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))
