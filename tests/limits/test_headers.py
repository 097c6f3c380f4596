"""One value per x-ratelimit header: the tighter of two limits, precisely."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guard.limits.headers import combined, duration, merge, seconds, tighter

GUARD = {"limit": "5", "remaining": "4", "reset": "45s"}
UPSTREAM = {"limit": "10000", "remaining": "9999", "reset": "6ms"}


def raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode(), v.encode()) for k, v in headers.items()]


def as_dict(headers: list[tuple[bytes, bytes]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in headers:
        out.setdefault(k.decode().lower(), []).append(v.decode())
    return out


def test_the_smaller_remaining_binds_with_its_own_limit_and_the_later_reset() -> None:
    assert tighter(GUARD, UPSTREAM) == GUARD
    assert tighter(UPSTREAM, GUARD) == GUARD
    upstream_binds = {"limit": "100", "remaining": "0", "reset": "20s"}
    assert tighter(GUARD, upstream_binds) == {"limit": "100", "remaining": "0", "reset": "45s"}


def test_a_tie_on_remaining_takes_the_smaller_limit_then_guards() -> None:
    assert tighter({"limit": "50", "remaining": "3"}, {"limit": "9", "remaining": "3"}) == {
        "limit": "9", "remaining": "3"}
    assert tighter({"limit": "9", "remaining": "3", "reset": "1s"},
                   {"limit": "9", "remaining": "3", "reset": "2s"})["reset"] == "2s"


def test_unreadable_or_missing_values_never_win() -> None:
    assert tighter(GUARD, {"limit": "lots", "remaining": "n/a"})["remaining"] == "4"
    assert tighter({"remaining": "2"}, {"limit": "10", "remaining": "7"}) == {
        "limit": "10", "remaining": "2"}  # remaining <= limit still holds
    assert tighter(GUARD, {"remaining": "9", "reset": "soon"})["reset"] == "45s"


@pytest.mark.parametrize(("text", "value"), [
    ("1s", 1.0), ("6m0s", 360.0), ("20ms", 0.02), ("1h2m3s", 3723.0), ("1.5s", 1.5),
    ("2", 2.0), ("0.25", 0.25), ("1m30s", 90.0), ("", None), ("soon", None), (None, None)])
def test_resets_are_read_as_openai_writes_them(text: str | None, value: float | None) -> None:
    assert seconds(text) == value


@given(st.floats(min_value=0, max_value=10 * 86400, allow_nan=False))
def test_guards_reset_reads_back_as_at_least_the_time_it_says(value: float) -> None:
    read = seconds(duration(value))
    assert read is not None and value <= read <= value + 1


def test_one_value_per_header_when_both_sides_send_a_family() -> None:
    upstream = raw({"content-type": "application/json",
                    **{f"x-ratelimit-{k}-requests": v for k, v in UPSTREAM.items()},
                    "x-ratelimit-remaining-tokens": "150000", "x-request-id": "abc"})
    ours = {"x-guard-decision-id": "d1", **{f"x-ratelimit-{k}-requests": v
                                             for k, v in GUARD.items()}}
    out = as_dict(combined(upstream, ours))
    assert all(len(values) == 1 for values in out.values()), out
    assert out["x-ratelimit-remaining-requests"] == ["4"]
    assert out["x-ratelimit-limit-requests"] == ["5"]
    assert out["x-ratelimit-reset-requests"] == ["45s"]
    assert out["x-ratelimit-remaining-tokens"] == ["150000"]  # only the upstream's: unchanged
    assert out["x-guard-decision-id"] == ["d1"] and out["x-request-id"] == ["abc"]


def test_mixed_case_upstream_names_are_the_same_header() -> None:
    upstream = [(b"X-RateLimit-Remaining-Requests", b"9999")]
    out = as_dict(combined(upstream, {"x-ratelimit-remaining-requests": "4"}))
    assert out == {"x-ratelimit-remaining-requests": ["4"]}


def test_without_guard_limits_the_upstreams_headers_pass_as_they_are() -> None:
    upstream = raw({"x-ratelimit-remaining-requests": "9999"})
    assert combined(upstream, {"x-guard-decision-id": "d"}) == [
        *upstream, (b"x-guard-decision-id", b"d")]


def test_two_guard_limits_merge_by_the_same_rule() -> None:
    headers: dict[str, str] = {}
    merge(headers, {"x-ratelimit-limit-requests": "5", "x-ratelimit-remaining-requests": "4",
                    "x-ratelimit-reset-requests": "1m0s"})
    merge(headers, {"x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": "2",
                    "x-ratelimit-reset-requests": "3s", "retry-after": "3"})
    assert headers == {"x-ratelimit-limit-requests": "100",
                       "x-ratelimit-remaining-requests": "2",
                       "x-ratelimit-reset-requests": "1m0s", "retry-after": "3"}


FAMILY = st.fixed_dictionaries({"limit": st.integers(0, 10**6), "remaining": st.integers(0, 10**6),
                                "reset": st.floats(0, 10**5, allow_nan=False)})


@given(FAMILY, FAMILY)
def test_the_merged_pair_is_one_real_limit_no_looser_than_either(a: dict[str, float],
                                                                 b: dict[str, float]) -> None:
    one, other = ({"limit": str(f["limit"]), "remaining": str(f["remaining"]),
                   "reset": duration(f["reset"])} for f in (a, b))
    merged = tighter(one, other)
    assert int(merged["remaining"]) == min(a["remaining"], b["remaining"])
    assert (merged["limit"], merged["remaining"]) in {(one["limit"], one["remaining"]),
                                                      (other["limit"], other["remaining"])}
    assert seconds(merged["reset"]) == max(seconds(one["reset"]) or 0,
                                           seconds(other["reset"]) or 0)
    assert tighter(other, one)["remaining"] == merged["remaining"]
