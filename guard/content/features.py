"""Injection signals a regular expression cannot express.

RE2 has no backreferences, so "the same word, over and over" is counted here
instead: a repeated-token attack floods the context with one token to push
the model off its instructions (or into reciting training data). Ordinary
prose never lets one content word make up a large share of it.

A fabricated dialogue is the other shape counted here: a single message that
opens with a question turn, answers it in the model's name ("A:", "Assistant:")
and ends on a new, open question primes the model to continue the pattern
instead of its instructions (few-shot, or with many turns, many-shot priming).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import chain, groupby, islice, pairwise
from operator import eq, itemgetter

_STRIP = ".,;:!?\"'()[]{}<>*_`~"
_MIN_WORDS = 8
_MIN_ADJACENT = 3
_SPACE = " \n\t\r"
_ANY_SPACE = re.compile(r"\s")  # guard's own pattern, one character: linear on `re`
_DATA_TOKENS = frozenset({"null", "none", "nan", "true", "false", "undefined", "n/a", "nil"})
"""Cells of a table or a JSON array repeat these legitimately: never a flood."""


@dataclass(frozen=True, slots=True)
class Repetition:
    """The most frequent word of a text: how often, its share of all words, where.

    ``run`` is its longest back-to-back run ("cake cake cake"), which is what a
    flood looks like; a word frequent across a long text is spread out instead.
    """

    count: int
    share: float
    start: int
    end: int
    run: int = 0


def most_repeated(text: str) -> Repetition | None:
    """The most frequent word, if it has three characters or more and a letter in it.

    ``start``/``end`` span from its first to its last occurrence (what a redaction
    removes). Numbers and short words ("0", "a", "--") are table cells and
    punctuation, not floods. A long text is read :data:`SLICE` characters at a time
    (cut at whitespace): one C call over megabytes would hold the GIL, and stall the
    event loop, for tens of milliseconds.
    """
    slices = word_slices(text)
    if sum(map(len, slices)) < _MIN_WORDS or _adjacent(slices) < _MIN_ADJACENT:
        return None  # a flood repeats a word back to back; this check is cheaper than counting
    counts: Counter[str] = Counter()
    for words in slices:
        counts.update(words)  # C loops: runs on every text
    token, count = max(counts.items(), key=itemgetter(1))
    word = token.strip(_STRIP)
    if len(word) < 3 or word.isdigit() or not any(c.isalpha() for c in word):
        return None
    if word in _DATA_TOKENS:
        return None
    every = chain.from_iterable(slices)
    run = max(sum(1 for _ in group) for key, group in groupby(every) if key == token)
    start = text.find(token)
    return Repetition(count, count / counts.total(), start, text.rfind(token) + len(token), run)


SLICE = 1 << 16
"""Characters split into words per C call."""


def word_slices(text: str) -> list[list[str]]:
    """``text.split()``, in lists of at most :data:`SLICE` characters' words (one list for
    most texts); no word is cut."""
    slices, at = [], 0
    while len(text) - at > SLICE:
        cut = max(text.rfind(c, at, at + SLICE) for c in _SPACE)
        if cut <= at:  # no space in the slice: the word goes on to the next space
            space = _ANY_SPACE.search(text, at + SLICE)
            cut = space.start() if space else len(text)
        slices.append(text[at:cut].split())
        at = cut
    slices.append(text[at:].split())
    return slices


def _adjacent(slices: list[list[str]]) -> int:
    """How many words equal the word before them (across slices too)."""
    pairs = sum(sum(map(eq, words, islice(words, 1, None))) for words in slices)
    full = [words for words in slices if words]
    return pairs + sum(a[-1] == b[0] for a, b in pairwise(full))


ASKS = frozenset({"q", "question", "user", "human"})
ANSWERS = frozenset({"a", "answer", "assistant", "ai", "bot", "chatbot", "gpt", "chatgpt"})


@dataclass(frozen=True, slots=True)
class Dialogue:
    """A transcript that one text *is*: its answer turns, and whether it primes the model.

    ``primes`` holds when it ends on a question left open for the model to answer (a
    last question turn, or a question tacked onto the last scripted answer).
    ``start``/``end`` span the turns.
    """

    answers: int
    primes: bool
    start: int
    end: int


def dialogue(text: str) -> Dialogue | None:
    """The turns of a folded ``text`` that opens with a question turn ("q:", "user:").

    A transcript framed by a request ("here is my faq: q: ... a: ...") is an object of
    the request, not a script for the model, so only an opening turn counts (which also
    makes this free for nearly every text).
    """
    start = len(text) - len(text.lstrip())
    if text[start:start + 10].split(":", 1)[0] not in ASKS:
        return None
    turns = [w[:-1] in ANSWERS for w in text.split() if w[-1] == ":" and w[:-1] in _TURNS]
    answers = sum(1 for answer, before in zip(turns[1:], turns, strict=False)
                  if answer and not before)
    if not answers:
        return None
    primes = not turns[-1] or text.rstrip().endswith("?")
    return Dialogue(answers, primes, start, len(text.rstrip()))


_TURNS = ASKS | ANSWERS
