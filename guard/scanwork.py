"""What reading a text costs, counted before reading it: ``settings.max_scan_chars``.

A request is refused whole (413) when its text would cost more to scan than the bound,
so it is never scanned in part, and never at a cost its size does not justify. The count
is in characters, weighted by what each kind costs the detectors here (a 2-core machine):

- a character: 1 (prose costs a PII policy ~0.25-0.5 µs a character, content ~0.02 µs);
- each UTF-8 byte past the first of a character: :data:`NON_ASCII_WORK` more (text that
  is not ASCII is normalized first: NFKC, invisible characters, look-alikes; ~3 µs a
  full-width character);
- under a PII policy with pattern recognizers, each digit and each ``@``:
  :data:`ANALYZED_WORK` more (libphonenumber parses the strings digits make in every
  region, and every ``@`` starts an e-mail candidate that is validated: ~50-90 µs each
  on text made of them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Protocol

NON_ASCII_WORK = 4
ANALYZED_WORK = 200
MAX_WORK_PER_CHAR = 1 + 3 * NON_ASCII_WORK + ANALYZED_WORK
"""The most one character can cost, so text shorter than ``bound / MAX_WORK_PER_CHAR``
characters is never over a bound (most requests: nothing is counted)."""

_NOT_ANALYZED = re.compile(r"[^\d@]+")  # guard's own pattern; Python's re does not backtrack here


SLICE = 1 << 16
"""Characters counted per call into C: a long text is counted slice by slice, so a worker
thread counting 4 MB lets the event loop's thread run between slices (a C call holds the
GIL throughout: one over 4 MB stalled every other caller for ~0.1 s)."""


class Reader(Protocol):
    """A check, as far as the bound is concerned: what reading some texts costs it."""

    def scan_work(self, texts: Sequence[str]) -> int | None: ...


def most_work(readers: Iterable[Reader], texts: Sequence[str]) -> int:
    """The work of reading ``texts`` for the reader that reads them at most cost (0 when
    none reads text)."""
    works = (reader.scan_work(texts) for reader in readers)
    return max((w for w in works if w is not None), default=0)


def work_over(readers: Sequence[Reader], texts: Sequence[str], bound: int) -> int | None:
    """:func:`most_work` when it is over ``bound``, else ``None``; texts too short to be
    over (most) cost only a sum of lengths."""
    if not readers or sum(map(len, texts)) * MAX_WORK_PER_CHAR <= bound:
        return None
    work = most_work(readers, texts)
    return work if work > bound else None


def text_work(text: str) -> int:
    """Reading ``text``: its characters, and more for those outside ASCII."""
    extra = sum(len(part.encode("utf-8", "surrogatepass")) for part in _slices(text))
    return len(text) + NON_ASCII_WORK * (extra - len(text))


def analyzed_work(text: str) -> int:
    """What a PII policy's pattern recognizers add: its digits and ``@`` signs."""
    return ANALYZED_WORK * sum(len(_NOT_ANALYZED.sub("", part)) for part in _slices(text))


def _slices(text: str) -> list[str]:
    if len(text) <= SLICE:
        return [text]
    return [text[i:i + SLICE] for i in range(0, len(text), SLICE)]
