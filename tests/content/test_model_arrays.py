"""The learned signal's array passes give what the word-by-word reading gives, exactly."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.content import model_arrays as arrays
from guard.content.model import SHORT, InjectionModel, injection_model, model_from_dict, tokens

WORDS = ["ignore", "previous", "instructions", "the", "your", "system", "prompt", "cat",
         "reveal", "and", "print", "x", "summarise", "notes", "please", "all"]


def toy(window: int) -> InjectionModel:
    return model_from_dict({"bias": -1.0, "window": window, "low": -10.0, "high": 2.0,
                            "unigrams": {"ignor": 1.0, "the": -0.5, "cat": 0.25},
                            "pairs": {"ignor instr": 2.0, "previ instr": 0.5,
                                      "the cat": -0.75, "cat cat": 0.5}})


def recount(model: InjectionModel, words: list[str]) -> float:
    """The best window's logit by plain sets: windows every half window, each stem and
    each pair (1 or 2 apart, both words inside) once."""
    stems = [w[:5] for w in words]
    n, w, half = len(stems), model.window, model.window // 2

    def window(start: int, end: int) -> float:
        pairs = {(stems[j - d], stems[j]) for j in range(start, end) for d in (1, 2)
                 if j - d >= start}
        return (sum(model.unigrams.get(s, 0.0) for s in set(stems[start:end]))
                + sum(model.pairs.get(p, 0.0) for p in pairs))

    starts = range(0, n - half, half) if n > w else range(1)
    return model.bias + max(window(s, min(n, s + w)) for s in starts)


@settings(deadline=None)  # the first example reads the model
@given(st.text(max_size=400))
def test_the_stem_ids_of_a_text_are_those_of_its_words(text: str) -> None:
    model = injection_model()
    assert model.text_ids(text).tolist() == model.stem_ids(tokens(text))


@settings(deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=400))
def test_ascii_text_is_read_as_its_words(text: str) -> None:
    model = injection_model()
    assert model.text_ids(text).tolist() == model.stem_ids(tokens(text))


@settings(max_examples=120, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=200), st.sampled_from([4, 6, 8, 32]))
def test_every_window_is_summed_once_per_distinct_feature(words: list[str],
                                                          window: int) -> None:
    """Repeats (cat cat cat), pairs across a window's edge and the last, shorter window."""
    model = toy(window)
    assert model.best_window(words).logit == pytest.approx(recount(model, words))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=400))
def test_the_shipped_model_reads_long_texts_as_its_windows(words: list[str]) -> None:
    model = injection_model()
    assert model.best_window(words).logit == pytest.approx(recount(model, words))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=150),
       st.sampled_from([-3.0, -1.0, 0.0, 1.0, 2.75]))
def test_a_text_read_as_bytes_scores_as_its_words(words: list[str], floor: float) -> None:
    """Short texts go word by word, long ones (over ``SHORT`` characters) through the
    arrays: the window found is the same."""
    text = " ".join(words)
    model = injection_model()
    assert model.text_window(text, floor) == (len(words), model.window_above(words, floor))
    if len(text) > SHORT:
        assert model.text_ids(text).tolist() == model.stem_ids(words)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=1200))
def test_texts_past_the_cached_tables_are_read_alike(words: list[str]) -> None:
    """Over 512 tokens the place tables grow to the next power of two; over ``CACHED``
    (lowered here) a text builds its own: the windows come out the same."""
    model = toy(32)
    assert model.best_window(words).logit == pytest.approx(recount(model, words))
    arrays.CACHED, cached = 16, arrays.CACHED
    try:
        assert model.best_window(words).logit == pytest.approx(recount(model, words))
    finally:
        arrays.CACHED = cached


def test_a_word_read_first_in_another_width_takes_nothing_from_the_next() -> None:
    """``"MR"`` and ``"前"`` (U+524D) are stored as the same two bytes and hash alike: the
    memory of words seen must not give one the other's stem (hypothesis found it, in a
    full run where the CJK character came first)."""
    model = model_from_dict({"bias": -1.0, "window": 8, "low": -10.0, "high": 2.0,
                             "unigrams": {"前": 1.0, "mr": 0.5}, "pairs": {}})
    if sys.byteorder == "little":  # CPython hashes the stored bytes
        assert hash("MR") == hash("前")
    assert model.stem_ids(["前"]) == [model.ids["前"]]
    assert model.stem_ids(["MR"]) == [0]  # not in the model (the view is folded: "mr" is)
    assert model.text_ids("MR").tolist() == [0]
    assert model.stem_ids(["mr", "前"]) == [model.ids["mr"], model.ids["前"]]
