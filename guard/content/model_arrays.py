"""The learned injection signal's array passes (:mod:`guard.content.model`), over numpy.

A 2 KB message is some 350 words, 1,000 features and 20 windows. Read word by word and
window by window in Python, that was ~150 µs; here a text takes a fixed number of array
passes whatever its content: its words' stems from its bytes (:func:`ascii_codes`), and
every window's sum at once (:func:`window_sums`). numpy is imported on first use (it comes
with spacy), as the model itself is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Ints = npt.NDArray[np.int64]

STEM = 5
"""Letters of a word the model keeps (the same as :data:`guard.content.model.STEM`)."""

REACH = 2
"""Pairs are 1 .. REACH words apart (:data:`guard.content.model.REACH`)."""

HASH_MASK = (1 << 18) - 1
"""Slots of the table of weight bounds (:func:`ceiling`): a key's slot is ``key & HASH_MASK``."""


def array(values: list[int]) -> Ints:
    import numpy as np

    return np.array(values, dtype=np.int64)


@dataclass(frozen=True)
class Tables:
    """A model's keys and weights laid out for array passes (:func:`tables`).

    Stem ``id`` has key ``id``; a pair ``first * K + second``. A pair whose first word is
    not in the model has a key above K squared, no key of the model (``first_keys``:
    ``id * K`` by id, K squared for id 0); a word not in the model, and a pair past the
    text's end, has the key ``none``, above K squared too and in an empty slot of
    ``ceiling``, so that the bounds rule it out at once.
    """

    ceiling: npt.NDArray[np.int16]
    stem_codes: Ints
    stem_ids: Ints
    first_keys: Ints
    stem_keys: Ints
    none: int
    model_keys: Ints
    model_weights: Ints


def tables(ids: dict[str, int], weights: dict[int, int]) -> Tables:
    """:class:`Tables` of a model's stem ids and key weights (K is ``len(ids) + 1``)."""
    k = len(ids) + 1
    bounds = ceiling(weights)
    none = next(key for key in range(k * k, k * k + len(bounds)) if not bounds[key & HASH_MASK])
    codes = sorted((stem_code(stem), number) for stem, number in ids.items() if stem.isascii())
    keys = sorted(weights)
    return Tables(bounds, array([*(c for c, _ in codes), 1 << 62]),
                  array([*(i for _, i in codes), 0]), array([k * k, *range(k, k * k, k)]),
                  array([none, *range(1, k)]), none, array([*keys, 1 << 62]),
                  array([*(weights[key] for key in keys), 0]))


def ascii_ids(text: str, t: Tables) -> Ints:
    """The stem ids (0: not in the model) of the words of an ASCII ``text``."""
    codes = ascii_codes(text)
    at = t.stem_codes.searchsorted(codes)
    found: Ints = t.stem_ids[at] * (t.stem_codes[at] == codes)
    return found


def keys_of(ids: Ints, t: Tables) -> Ints:
    """The keys of every token: its stem, then its pairs 1 .. :data:`REACH` ahead
    (``none`` past the end)."""
    import numpy as np

    n = len(ids)
    keys = np.full((REACH + 1, n), t.none, dtype=np.int64)
    keys[0] = t.stem_keys[ids]
    firsts = t.first_keys[ids]
    for d in range(1, min(REACH, n - 1) + 1):
        keys[d, :-d] = firsts[:-d] + ids[d:]
    return keys


def bound(keys: Ints, t: Tables) -> int:
    """An upper bound (in thousandths) of the weight of the distinct ``keys``."""
    return int(t.ceiling[keys & HASH_MASK].sum())


def stem_code(stem: str) -> int:
    """An ASCII stem as one integer: its bytes, first byte lowest (as :func:`ascii_codes`)."""
    return int.from_bytes(stem.encode(), "little")


@cache
def _byte_tables() -> tuple[Ints, Ints, Ints]:
    """The places of a stem's bytes, what each is worth in its integer, and by a word's
    length (up to :data:`STEM`) the bits of the integer it keeps."""
    import numpy as np

    places = np.arange(STEM)
    masks = [(1 << (8 * length)) - 1 for length in range(STEM + 1)]
    return places, np.left_shift(1, 8 * places).astype(np.int64), array(masks)


def ascii_codes(text: str) -> Ints:
    """The :func:`stem_code` of every word of an ASCII ``text``, words being runs of
    letters as :func:`guard.content.model.tokens` reads them: no string is made per word.
    The text is framed by spaces, so its letter runs start and end at changes of
    letter-ness: start, end, start, end, ..."""
    import numpy as np

    places, scale, masks = _byte_tables()
    data = np.frombuffer(f" {text}{' ' * STEM}".encode(), dtype=np.uint8)
    letter = (data | 32) - 97 < 26  # a-z and A-Z: no other byte lands below 26
    edges = np.flatnonzero(letter[1:] != letter[:-1])
    starts = edges[::2] + 1
    lengths = np.minimum(edges[1::2] + 1 - starts, STEM)
    codes: Ints = (data[starts[:, None] + places] @ scale) & masks[lengths]
    return codes


def ceiling(weights: dict[int, int]) -> npt.NDArray[np.int16]:
    """An upper bound of a key's weight, by ``key & HASH_MASK``: the largest weight of the
    keys sharing that slot, at least 1 where one does (so that 0 means surely no weight),
    0 elsewhere. Small enough to stay in the processor's cache (512 KB), where a table of
    every possible key would not (K squared: 7 MB)."""
    import numpy as np

    table = np.zeros(HASH_MASK + 1, dtype=np.int16)
    for key, weight in weights.items():
        slot = key & HASH_MASK
        table[slot] = max(int(table[slot]), weight, 1)
    return table


CACHED = 1 << 13
"""Texts of up to this many tokens share cached place tables (:func:`_places`, 720 KB at
most); a longer one builds its own (a cost in proportion to a text that long anyway)."""


def _places(capacity: int, window: int) -> tuple[Ints, Ints, Ints]:
    """For texts of up to ``capacity`` tokens, by a feature's place ``pos * 4 + d`` (a
    pair's first word at ``pos``, its second ``d`` further): the places laid out as the rows
    of keys are (``[d, pos]``), and by place the first window holding the feature and the
    last one before the text's end is known. A feature is in the window starting at ``s``
    when ``s <= pos`` and ``pos + d < s + window``; windows start every half window."""
    import numpy as np

    half = window // 2
    pos = np.arange(capacity)
    d = np.arange(REACH + 1)[:, None]
    where = pos * 4 + d
    lo = np.zeros(4 * capacity, dtype=np.int64)
    hi = np.zeros(4 * capacity, dtype=np.int64)
    lo[where.ravel()] = np.maximum((pos + d + (half - window)) // half, 0).ravel()
    hi[where.ravel()] = np.broadcast_to(pos // half, (REACH + 1, capacity)).ravel()
    return where, lo, hi


_cached_places = lru_cache(maxsize=16)(_places)


def _layout(n: int, window: int) -> tuple[Ints, Ints, Ints]:
    """:func:`_places` for a text of ``n`` tokens (tables of the next power of two, cached
    up to :data:`CACHED` tokens)."""
    capacity = 1 << max(9, (n - 1).bit_length())
    if capacity > CACHED:
        return _places(n, window)
    return _cached_places(capacity, window)


def window_sums(keys: Ints, window: int, t: Tables) -> Ints:
    """Every window's weight in thousandths (whole numbers), window ``j`` starting at ``j *
    window / 2``, each distinct key of ``keys`` (rows: stems, then pairs ``d`` apart by
    their first word's position) counted once per window.

    A feature is in one or two neighbouring windows (:func:`_places`). Features are sorted
    by key, then position: a repeat adds only the windows its earlier occurrence did not
    reach (those of a later occurrence lie further on; the first of them at or after the
    earlier one's). Weights come from the model's keys, sorted (``model_keys``, with a
    sentinel above every key, and ``model_weights`` beside them): a binary search each,
    for the keys that the ``ceiling`` does not rule out.
    """
    import numpy as np

    n = keys.shape[1]
    count = len(range(0, n - window // 2, window // 2))
    where, lo, hi = _layout(n, window)
    shift = int(where[-1, n - 1]).bit_length()
    codes = ((keys << shift) + where[:, :n])[t.ceiling[keys & HASH_MASK] != 0]
    codes.sort()
    found, place = codes >> shift, codes & ((1 << shift) - 1)
    first, last = lo[place], np.minimum(hi[place], count - 1)
    again = found[1:] == found[:-1]
    first[1:] = np.where(again, np.maximum(first[1:], last[:-1] + 1), first[1:])
    index = t.model_keys.searchsorted(found)
    weights = t.model_weights[index] * (t.model_keys[index] == found)
    sums = np.bincount(first, weights * (first <= last), count + 2)
    sums[1:] += np.bincount(first, weights * (first < last), count + 1)
    whole: Ints = sums[:count].astype(np.int64)
    return whole
