"""The matcher's overlap rule for secret hits, held to its all-pairs statement."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from guard.content.matcher import Hit, named_hits

HITS = st.lists(st.builds(lambda s, n, r: Hit(f"d{r}", s, s + n, r),
                          st.integers(0, 60), st.integers(1, 20), st.integers(-1, 5)),
                max_size=40)


def pairwise_reference(hits: list[Hit]) -> list[Hit]:
    """The rule as first written: each ranked hit against every hit kept before it."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.rank < 0, h.rank, h.start)):
        if hit.rank < 0 or all(hit.end <= k.start or k.end <= hit.start for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h.start)


@given(HITS)
def test_named_hits_keep_what_the_all_pairs_rule_keeps(hits: list[Hit]) -> None:
    assert named_hits(hits) == pairwise_reference(hits)


def test_many_overlapping_hits_cost_their_total_length() -> None:
    # 20,000 hits of one rank side by side: all-pairs would compare 2e8 pairs
    hits = [Hit("aws", i * 21, i * 21 + 20, 3) for i in range(20_000)]
    assert len(named_hits(hits)) == 20_000
