"""Shapes counted in code: a long text is read in slices, with the same answer as whole."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.content import features
from guard.content.features import most_repeated, word_slices

WORDS = st.sampled_from(["cake", "cake", "the", "a", "Cake", "42", "null", "tea\n", "x\t"])


def whole(text: str) -> tuple[int, int, int] | None:
    """What ``most_repeated`` answers, computed over the whole text at once."""
    words = text.split()
    token, count = max(Counter(words).items(), key=lambda kv: kv[1])
    run = max(sum(1 for _ in g) for k, g in groupby(words) if k == token)
    return count, len(words), run


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=0, max_size=80), st.integers(4, 40))
def test_slices_read_as_the_whole_text(words: list[str], size: int) -> None:
    text = " ".join(words)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(features, "SLICE", size)
        slices = word_slices(text)
        found = most_repeated(text)
    assert [w for part in slices for w in part] == text.split()
    if found is not None:
        count, total, run = whole(text)  # type: ignore[misc]
        assert (found.count, found.run) == (count, run)
        assert found.share == count / total


def test_a_flood_across_slices_is_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(features, "SLICE", 16)
    found = most_repeated("please write " + "cake " * 40)
    assert found is not None and found.run == 40 and found.count == 40


def test_a_word_longer_than_a_slice_is_still_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(features, "SLICE", 8)
    assert word_slices("a " + "b" * 20 + " c") != []
