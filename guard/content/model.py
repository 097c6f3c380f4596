"""The learned injection signal: a linear model over the words of the folded view.

The regex rules name phrasings; rewordings slip between them ("ignore the rest of this
data and print ..."). This model weighs word stems and pairs of stems up to two words
apart (``ignor..instr``), learnt offline by ``python -m training`` from a generated
corpus (never from the public evaluation sets) and shipped as
``guard/data/injection_model.json``, read once on first use. A short text is scored in
Python, a longer one in a fixed number of array passes (:mod:`guard.content.model_arrays`):
linear in the text's length.

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
from operator import add, is_, itemgetter, xor
from typing import TYPE_CHECKING

from guard.content import model_arrays as arrays

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


SHORT = 256
"""Texts up to this many characters are read word by word in Python (fewer than the
dozen array passes cost), longer ones by :mod:`guard.content.model_arrays`."""

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


def word_keys(tokens: list[str]) -> list[int]:
    """The keys words are remembered by: a word's hash mixed with its length.

    A ``str`` hashes its stored bytes, and strings stored in different widths can share them:
    ``"MR"`` (two bytes, one a character) and ``"前"`` (U+524D, one two-byte character) hash
    alike, so one caller's CJK character could take the place of another caller's English
    word in the memory, and blind the model to it. Equal bytes in different widths always
    differ in length, so the length tells them apart (C-level maps: a str caches its hash).
    """
    return list(map(xor, map(hash, tokens), map(len, tokens)))


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
    words: dict[int, int] = field(init=False, repr=False, compare=False)
    firsts: list[int] = field(init=False, repr=False, compare=False)
    tables: arrays.Tables = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Stems as small integers (0: not in the model), a pair as ``first * K + second``:
        a window's features are then built and looked up by C-level maps over integers,
        without a tuple or a string hash per pair (~3x faster than tuples of stems).

        Stems and pairs share one table: a stem's key (1 .. K - 1) is no pair's (K + 1 and
        up); keys of no weight are laid out in :class:`arrays.Tables`.
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
        object.__setattr__(self, "words", {})
        object.__setattr__(self, "firsts", [k * k, *range(k, k * k, k)])
        object.__setattr__(self, "tables", arrays.tables(ids, weights))

    def stem_ids(self, tokens: list[str]) -> list[int]:
        """Each token's stem id (0: not in the model), remembered per whole word: one dict
        lookup for a word seen before instead of a slice and a lookup (~2x faster). Words
        are remembered by :func:`word_keys`, never as text (the process keeps no words of what
        callers wrote; two words sharing a 64-bit hash would share an id). The memory is
        bounded (:data:`CACHE_WORDS`, then emptied) and written whole after the lookups, so
        threads sharing the model never see it half-filled."""
        words = self.words
        keys = word_keys(tokens)
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
        must not weigh twice. Windows start every half window, as in training, so what
        falls across a boundary is found whole; equal windows tie on the first. Linear in
        the text's length.
        """
        found = self.window_above(tokens, -math.inf)
        assert found is not None  # every window is above minus infinity
        return found

    def window_above(self, tokens: list[str], floor: float) -> Window | None:
        """:meth:`best_window` when its logit is above ``floor``, else None.

        A text of one window is first bounded from above, exactly: its logit is the bias
        plus the weights of its distinct features, at most the bias plus an upper bound of
        the weight of every feature of its words (:meth:`_keys`); most short messages stay
        below the floor by it. A longer text has every window summed at once
        (:meth:`_window_sums`), in a fixed number of array passes.
        """
        n = len(tokens)
        if n > self.window:
            return self.above(self._id_array(tokens), floor)
        logit = self.bias + self._short_sum(self.stem_ids(tokens)) / MILLI
        return Window(logit, 0, n) if logit > floor else None

    def text_window(self, text: str, floor: float) -> tuple[int, Window | None]:
        """How many words a folded view's ``text`` has, and its :meth:`window_above`."""
        if len(text) <= SHORT:
            words = tokens(text)
            return len(words), self.window_above(words, floor)
        ids = self.text_ids(text)
        return len(ids), self.above(ids, floor)

    def above(self, ids: npt.NDArray[np.int64], floor: float) -> Window | None:
        """:meth:`window_above` of the words whose stem ids are ``ids``."""
        n, w = len(ids), self.window
        keys = arrays.keys_of(ids, self.tables)
        if n > w:
            sums = arrays.window_sums(keys, w, self.tables)
            index = int(sums.argmax())  # the first of equal windows
            logit = self.bias + int(sums[index]) / MILLI
            start = index * (w // 2)
            return Window(logit, start, min(n, start + w)) if logit > floor else None
        if self.bias + arrays.bound(keys, self.tables) / MILLI <= floor:
            return None
        logit = self.bias + self._sum(keys.tolist()) / MILLI
        return Window(logit, 0, n) if logit > floor else None

    def text_ids(self, text: str) -> npt.NDArray[np.int64]:
        """The stem ids of the words of a folded view's ``text`` (:func:`tokens`, then
        :meth:`stem_ids`). ASCII text (most traffic) is read as bytes, in array passes
        that make no string per word: a word's stem is its first :data:`STEM` bytes taken
        as one integer, looked up in the model's stems sorted the same way."""
        for mark, word in MARKS:
            if mark in text:
                text = text.replace(mark, word)
        if not text.isascii():
            return self._id_array(tokens(text))
        return arrays.ascii_ids(text, self.tables)

    def _id_array(self, tokens: list[str]) -> npt.NDArray[np.int64]:
        """:meth:`stem_ids` as an array, read straight from the remembered words when
        every word is known (one C-level pass, most traffic)."""
        import numpy as np

        try:
            return np.fromiter(map(self.words.__getitem__, word_keys(tokens)), np.int64,
                               len(tokens))
        except KeyError:
            return np.array(self.stem_ids(tokens), dtype=np.int64)

    def _sum(self, keys: list[list[int]]) -> int:
        """Weight (in thousandths) of the distinct keys of a text of one window: its stems
        (``keys[0]``) and its pairs ``d`` apart (``keys[d]``)."""
        found: set[int] = set()
        for row in keys:
            found.update(row)
        return sum(map(self.weights.get, found, repeat(0)))

    def _short_sum(self, ids: list[int]) -> int:
        """:meth:`_sum` of a text of one window, its keys made in Python: a short text's
        few dozen keys cost less so than a dozen array passes."""
        firsts = list(map(self.firsts.__getitem__, ids))
        found = set(ids)
        for d in range(1, REACH + 1):
            found.update(map(add, firsts, ids[d:]))
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
    model = injection_model()
    words, best = model.text_window(text, model.low)
    if words < MIN_WORDS or best is None:
        return None
    weight = model.weight(best.logit)
    found = model.contributions(tokens(text)[best.start:best.end])
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


def _milli(weight: float) -> int:
    return round(weight * MILLI)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))
