"""Word-level ciphers a model reads without effort: Caesar shifts (ROT13) and pig latin.

Unlike base64 or hex (see :mod:`guard.content.decode`) these keep the shape of words,
so no regex finds their runs. They are searched only when a cheap trigger of the
folded view's regex set matched (the cipher is named, a decoding is asked for, a
shifted "instructions" appears, or three pig-latin words in a row), so ordinary text
pays nothing. A run that decodes to English is scanned once more, like any decoded
payload, and one that reads as a question or an order is a smuggled prompt.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from itertools import islice
from typing import Any


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


STOPWORDS = _wordset(
    "a an the of to in on at by for with from and or but if is are was were be been do does "
    "did has have had it its this that these those what which who whom whose where when why "
    "how i you he she we they me my your his her our their not no can could would should will "
    "shall may might must there here than then so as about into")
"""Function words: a quarter of any English sentence, absent from a shifted one."""

SHIFT_KEYWORDS = ("instructions", "previous", "password", "disregard")
"""Long words whose Caesar shifts are not words of any language: a hint by themselves."""

_MIN_WORDS = 4
_MAX_RUNS = 4  # a long text costs a bounded amount of decoding
_MAX_WORDS = 200
_SAMPLE_WORDS = 40
_ENGLISH = 0.25
_PIG_SHARE = 0.6
_VOWELS = frozenset("aeiou")
_BREAKS = {c: "\n" for c in range(128) if not chr(c).islower() and chr(c) not in " \t,"}
"""Every ASCII character but lower-case letters, spaces, tabs and commas ends a run."""
_ONSETS = _wordset(
    "bl br ch cl cr dr fl fr gl gr kn ph pl pr qu sc sh sk sl sm sn sp st sw th tr tw wh wr "
    "sch scr shr spl spr squ str thr")
"""Consonant clusters that begin English words: pig latin moved one of them to the end."""
_PROMPT_OPENERS = _wordset(
    "what who where when why how which can could would will is are do does did should "
    "tell write give explain list ignore say print show describe reveal translate repeat "
    "forget disregard send provide output answer state confirm share")


@dataclass(frozen=True, slots=True)
class Decoded:
    """``text[start:end]`` of the scanned view, and what it says."""

    start: int
    end: int
    plain: str


def shifted(word: str, shift: int) -> str:
    """``word`` (lower-case ASCII) with every letter moved ``shift`` places on."""
    return word.translate(_shift_table(shift % 26))


def shift_trigger() -> str:
    """A regex matching any Caesar shift (1 to 25) of the :data:`SHIFT_KEYWORDS`."""
    forms = sorted({shifted(w, s) for w in SHIFT_KEYWORDS for s in range(1, 26)})
    return r"\b(?:" + "|".join(forms) + r")\b"


def caesar_runs(text: str) -> list[Decoded]:
    """Runs of lower-case words that read as English once shifted back (ROT13 is shift 13).

    Every shift is tried on the first :data:`_SAMPLE_WORDS` words of a run, each in one
    ``str.translate`` of the joined run.
    """
    found = []
    for start, end, words in islice(_runs(text, _not_english), _MAX_RUNS):
        run = " ".join(words[:_SAMPLE_WORDS])
        best = max(range(1, 26), key=lambda s: _english_share(shifted(run, s).split()))
        if _english_share(shifted(run, best).split()) >= _ENGLISH:
            found.append(Decoded(start, end, shifted(text[start:end], best)))
    return found


def pig_latin_runs(text: str) -> list[Decoded]:
    """Runs of words most of which end in "ay", with every such word moved back."""
    found = []
    for start, end, words in islice(_runs(text, _pig_latin), _MAX_RUNS):
        found.append(Decoded(start, end, " ".join(_unpig(w) for w in words)))
    return found


def reads_as_prompt(text: str) -> bool:
    """True when ``text`` is a question or an order of three words or more."""
    words = text.split()
    if len(words) < 3:
        return False
    first = words[0].strip("\"'([{").lower()
    return first in _PROMPT_OPENERS or text.rstrip(" \"')]}").endswith("?")


def _runs(text: str, kind: Any) -> Iterator[tuple[int, int, list[str]]]:
    """Maximal runs of ASCII words ``kind`` accepts (as a whole): what lies between quotes,
    colons, stops and other marks, cut out in one C pass (``str.translate``)."""
    position = 0
    for chunk in text.translate(_BREAKS).split("\n"):
        start, position = position, position + len(chunk) + 1
        words = chunk.replace(",", " ").split()[:_MAX_WORDS]
        if len(words) >= _MIN_WORDS and chunk.isascii() and kind(words):
            first = start + len(chunk) - len(chunk.lstrip())
            yield first, start + len(chunk.rstrip()), words


def _not_english(words: list[str]) -> bool:
    return _english_share(words) < 0.1


def _english_share(words: list[str]) -> float:
    return sum(map(STOPWORDS.__contains__, words)) / max(len(words), 1)


def _pig_latin(words: list[str]) -> bool:
    return sum(1 for w in words if w.endswith("ay") and len(w) > 3) >= _PIG_SHARE * len(words)


def _unpig(word: str) -> str:
    """``erewhay`` becomes ``where``; ``useryay`` becomes ``user`` (best effort: pig latin
    loses where the word began, and a rescan only needs most words right)."""
    if not word.endswith("ay") or len(word) < 4:
        return word
    body = word[:-2]
    if body[-1] == "y" and body[0] in _VOWELS:
        return body[:-1]  # a vowel-initial word took "yay"
    tail = len(body) - len(body.rstrip("bcdfghjklmnpqrstvwxz"))
    for size in (3, 2):  # the longest English onset the consonant tail ends with
        if tail >= size and body[-size:] in _ONSETS:
            return body[-size:] + body[:-size]
    return body[-1] + body[:-1] if tail else body


@cache
def _shift_table(shift: int) -> dict[int, int]:
    return {c: ord("a") + (c - ord("a") + shift) % 26 for c in range(ord("a"), ord("z") + 1)}
