""""Did you mean ...?" for every name a policy file refers to.

Why: spelling similarity alone misses the common mistakes: ``EMAIL`` is a short form of
``EMAIL_ADDRESS`` (too different for difflib), ``ratelimit`` and ``Rate-Limit`` differ from
``rate_limit`` only in case and separators. So a name is matched, in order: the same once
case and separators are ignored, a unique choice whose words contain all of its words
(plurals folded), then by spelling. Used for entity names, policy types, keys, identity
fields and CEL variables alike.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_SEPARATORS = re.compile(r"[\s_\-.]+")


def closest(name: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice ``name`` most likely meant, or ``None`` when none is convincing."""
    options = sorted(set(choices))
    if not name or name in options:
        return None
    folded = {_fold(option): option for option in options}
    if _fold(name) in folded:
        return folded[_fold(name)]
    words = _words(name)
    holding = [o for o in options if words and words <= _words(o)]
    if holding:  # a short form: of exactly one choice, or too vague to name one
        return holding[0] if len(holding) == 1 else None
    lowered = {option.lower(): option for option in options}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[close[0]] if close else None


def did_you_mean(name: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """`` (did you mean 'X'?)`` or nothing."""
    found = closest(name, choices, cutoff)
    return f" (did you mean {found!r}?)" if found else ""


def _fold(name: str) -> str:
    return _SEPARATORS.sub("", name).lower()


def _words(name: str) -> frozenset[str]:
    return frozenset(_singular(w) for w in _SEPARATORS.split(name.lower()) if w)


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") \
        else word
