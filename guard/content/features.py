"""Injection signals a regular expression cannot express.

RE2 has no backreferences, so "the same word, over and over" is counted here
instead: a repeated-token attack floods the context with one token to push
the model off its instructions (or into reciting training data). Ordinary
prose never lets one content word make up a large share of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import islice
from operator import eq, itemgetter

_STRIP = ".,;:!?\"'()[]{}<>*_`~"
_MIN_WORDS = 8
_MIN_ADJACENT = 3


@dataclass(frozen=True, slots=True)
class Repetition:
    """The most frequent word of a text: how often, its share of all words, where."""

    count: int
    share: float
    start: int
    end: int


def most_repeated(text: str) -> Repetition | None:
    """The most frequent word, if it has three characters or more and a letter in it.

    ``start``/``end`` span from its first to its last occurrence (what a redaction
    removes). Numbers and short words ("0", "a", "--") are table cells and
    punctuation, not floods.
    """
    words = text.split()
    if len(words) < _MIN_WORDS or sum(map(eq, words, islice(words, 1, None))) < _MIN_ADJACENT:
        return None  # a flood repeats a word back to back; this check is cheaper than counting
    token, count = max(Counter(words).items(), key=itemgetter(1))  # C loops: runs on every text
    word = token.strip(_STRIP)
    if len(word) < 3 or word.isdigit() or not any(c.isalpha() for c in word):
        return None
    start = text.find(token)
    return Repetition(count, count / len(words), start, text.rfind(token) + len(token))
