"""The contract of :class:`guard.stores.Store`, run against every backend (see conftest)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from guard.stores import Reservation, Store, store_from_url

T0 = 1_700_000_000.0  # a window start for 60 s windows (T0 % 60 == 20, see below)
HOLD = T0 + 30
EXPIRES = T0 + 3600


async def reserve(store: Store, key: str, amount: float, limit: float = 1.0,
                  now: float = T0, hold_until: float = HOLD) -> Reservation | None:
    admission = await store.reserve(key, amount, limit, now=now, hold_until=hold_until,
                                    expires_at=EXPIRES)
    return admission.reservation


async def test_reserve_within_limit(store: Store, key: str) -> None:
    admission = await store.reserve(key, 0.4, 1.0, now=T0, hold_until=HOLD, expires_at=EXPIRES)
    assert admission.admitted
    assert admission.used == pytest.approx(0.4)
    assert admission.remaining == pytest.approx(0.6)
    reservation = admission.reservation
    assert reservation is not None
    assert (reservation.key, reservation.amount, reservation.hold_until) == (key, 0.4, HOLD)
    assert await store.usage(key, now=T0) == pytest.approx(0.4)


async def test_reserve_over_limit_holds_nothing(store: Store, key: str) -> None:
    assert await reserve(store, key, 0.7)
    refused = await store.reserve(key, 0.4, 1.0, now=T0, hold_until=HOLD, expires_at=EXPIRES)
    assert not refused.admitted and refused.reservation is None
    assert refused.used == pytest.approx(0.7)
    assert refused.remaining == pytest.approx(0.3)
    assert await store.usage(key, now=T0) == pytest.approx(0.7)
    assert await reserve(store, key, 0.3)  # what is left still fits


async def test_exact_fit_is_admitted_despite_float_rounding(store: Store, key: str) -> None:
    for amount in (0.1, 0.2, 0.7):  # 0.1 + 0.2 + 0.7 == 1.0000000000000002 in floats
        assert await reserve(store, key, amount)
    assert not await reserve(store, key, 0.001)


async def test_amount_zero_is_reserved_until_the_budget_is_overspent(store: Store,
                                                                     key: str) -> None:
    zero = await reserve(store, key, 0.0)
    assert zero is not None and zero.amount == 0.0
    full = await reserve(store, key, 1.0)
    assert full and await reserve(store, key, 0.0)  # exactly at the limit: still fits
    await store.settle(full, 1.5, now=T0)
    assert await reserve(store, key, 0.0) is None


async def test_settle_replaces_the_reservation_by_the_actual_spend(store: Store,
                                                                   key: str) -> None:
    more, less = await reserve(store, key, 0.3), await reserve(store, key, 0.3)
    assert more and less
    assert await store.settle(more, 0.9, now=T0) == pytest.approx(1.2)  # actual is actual
    assert await store.settle(less, 0.1, now=T0) == pytest.approx(1.0)
    assert await store.usage(key, now=T0) == pytest.approx(1.0)


async def test_settle_twice_charges_once(store: Store, key: str) -> None:
    reservation = await reserve(store, key, 0.5)
    assert reservation
    assert await store.settle(reservation, 0.4, now=T0) == pytest.approx(0.4)
    assert await store.settle(reservation, 0.4, now=T0 + 1) == pytest.approx(0.4)


async def test_settle_after_the_hold_ran_out_charges_once(store: Store, key: str) -> None:
    reservation = await reserve(store, key, 0.5)
    assert reservation
    assert await store.usage(key, now=HOLD) == 0.0  # the hold stops counting at hold_until
    assert await reserve(store, key, 0.2, now=HOLD + 1, hold_until=HOLD + 60)  # purges it
    assert await store.settle(reservation, 0.4, now=HOLD + 2) == pytest.approx(0.6)
    assert await store.settle(reservation, 0.4, now=HOLD + 3) == pytest.approx(0.6)


async def test_release_charges_nothing_and_frees_the_hold(store: Store, key: str) -> None:
    reservation = await reserve(store, key, 0.8)
    assert reservation
    await store.release(reservation, now=T0)
    assert await store.usage(key, now=T0) == 0.0
    assert await store.settle(reservation, 0.8, now=T0) == 0.0  # released: nothing to settle
    assert await reserve(store, key, 1.0)


async def test_unknown_reservation_charges_nothing(store: Store, key: str) -> None:
    assert await reserve(store, key, 0.2)
    stranger = Reservation(key, "0" * 32, 0.5, HOLD)
    assert await store.settle(stranger, 0.5, now=T0) == pytest.approx(0.2)
    await store.release(stranger, now=T0)
    assert await store.usage(key, now=T0) == pytest.approx(0.2)


async def test_expired_holds_are_purged_and_free_the_budget(store: Store, key: str) -> None:
    assert await reserve(store, key, 0.6, hold_until=T0 + 5)
    assert await reserve(store, key, 0.4, hold_until=T0 + 10)
    assert not await reserve(store, key, 0.5, now=T0 + 4)
    assert await reserve(store, key, 0.5, now=T0 + 5)  # the first hold ended at T0 + 5
    assert await store.usage(key, now=T0 + 10) == pytest.approx(0.5)


async def test_an_expired_key_is_dropped_entirely(store: Store, key: str) -> None:
    reservation = await reserve(store, key, 0.5)
    assert reservation
    assert await store.usage(key, now=EXPIRES - 1) == 0.0  # hold over, nothing settled
    assert await store.usage(key, now=EXPIRES) == 0.0
    assert await store.settle(reservation, 0.5, now=EXPIRES) == 0.0  # its window is gone
    assert await reserve(store, key, 1.0, now=EXPIRES)


async def test_usage_of_an_unknown_key_is_zero(store: Store, key: str) -> None:
    assert await store.usage(key, now=T0) == 0.0


async def test_keys_are_independent(store: Store, key: str) -> None:
    assert await reserve(store, key + "/a", 1.0)
    assert await reserve(store, key + "/b", 1.0)
    assert await store.usage(key + "/a", now=T0) == pytest.approx(1.0)
    assert (await store.hit(key + "/a", 1, 1, now=T0, window=60, sliding=False)).allowed
    assert (await store.hit(key + "/b", 1, 1, now=T0, window=60, sliding=False)).allowed


async def test_bad_amounts_are_refused(store: Store, key: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        await reserve(store, key, -1.0)
    reservation = await reserve(store, key, 0.5)
    assert reservation
    with pytest.raises(ValueError, match="actual"):
        await store.settle(reservation, float("nan"), now=T0)


async def test_fixed_window_counts_until_the_limit(store: Store, key: str) -> None:
    start = T0 - 20  # T0 is 20 s into a 60 s window
    for i in range(3):
        result = await store.hit(key, 1, 3, now=T0 + i, window=60, sliding=False)
        assert result.allowed and result.count == i + 1 and result.retry_after == 0
    refused = await store.hit(key, 1, 3, now=T0 + 5, window=60, sliding=False)
    assert not refused.allowed and refused.count == 3 and refused.remaining == 0
    assert refused.retry_after == pytest.approx(start + 60 - (T0 + 5))
    fresh = await store.hit(key, 1, 3, now=start + 60, window=60, sliding=False)
    assert fresh.allowed and fresh.count == 1


async def test_a_whole_number_window_is_the_same_window_as_its_float(store: Store,
                                                                    key: str) -> None:
    assert (await store.hit(key, 1, 1, now=T0, window=60, sliding=True)).allowed
    assert not (await store.hit(key, 1, 1, now=T0, window=60.0, sliding=True)).allowed


async def test_a_refused_hit_counts_nothing(store: Store, key: str) -> None:
    assert (await store.hit(key, 2, 3, now=T0, window=60, sliding=False)).allowed
    assert not (await store.hit(key, 2, 3, now=T0, window=60, sliding=False)).allowed
    assert (await store.hit(key, 1, 3, now=T0, window=60, sliding=False)).allowed


async def test_sliding_window_weighs_the_previous_window(store: Store, key: str) -> None:
    start = T0 - 20
    for _ in range(10):
        assert (await store.hit(key, 1, 10, now=start + 30, window=60, sliding=True)).allowed
    # 15 s into the next window, 3/4 of the previous one still counts: 7.5 of 10.
    now = start + 75
    result = await store.hit(key, 2, 10, now=now, window=60, sliding=True)
    assert result.allowed and result.count == pytest.approx(9.5)
    refused = await store.hit(key, 1, 10, now=now, window=60, sliding=True)
    assert not refused.allowed and refused.count == pytest.approx(9.5)
    # 10 * (60 - e) / 60 + 2 + 1 <= 10 from e = 18, i.e. 3 s later.
    assert refused.retry_after == pytest.approx(3.0)
    later = now + refused.retry_after
    assert not (await store.hit(key, 1, 10, now=later - 0.01, window=60, sliding=True)).allowed
    assert (await store.hit(key, 1, 10, now=later, window=60, sliding=True)).allowed


async def test_sliding_retry_after_may_reach_into_the_next_window(store: Store,
                                                                  key: str) -> None:
    start = T0 - 20
    assert (await store.hit(key, 8, 10, now=start + 1, window=60, sliding=True)).allowed
    refused = await store.hit(key, 4, 10, now=start + 1, window=60, sliding=True)
    # Next window: 8 * (60 - e) / 60 + 4 <= 10 from e = 15, i.e. 59 + 15 s from now.
    assert not refused.allowed and refused.retry_after == pytest.approx(74.0)
    later = start + 1 + refused.retry_after
    assert (await store.hit(key, 4, 10, now=later, window=60, sliding=True)).allowed


async def test_a_hit_larger_than_the_limit_gets_a_finite_retry_after(store: Store,
                                                                     key: str) -> None:
    result = await store.hit(key, 5, 3, now=T0, window=60, sliding=True)
    assert not result.allowed and result.count == 0 and 0 < result.retry_after <= 120


@pytest.mark.parametrize("url", ["sqlite", "redis", "cluster"], indirect=True)
async def test_state_is_shared_by_every_store_on_the_url(open_store: Callable[[], Store],
                                                         key: str) -> None:
    first, second = open_store(), open_store()
    reservation = await reserve(first, key, 0.6)
    assert reservation and not await reserve(second, key, 0.6)
    assert await second.settle(reservation, 0.5, now=T0) == pytest.approx(0.5)
    assert await second.settle(reservation, 0.5, now=T0) == pytest.approx(0.5)
    assert await first.usage(key, now=T0) == pytest.approx(0.5)
    assert (await first.hit(key, 1, 1, now=T0, window=60, sliding=True)).allowed
    assert not (await second.hit(key, 1, 1, now=T0, window=60, sliding=True)).allowed


def test_a_store_serves_successive_event_loops(url: str, key: str) -> None:
    """``check_request_sync`` runs each call in a new loop (``asyncio.run``)."""
    store = store_from_url(url)
    reservation = asyncio.run(reserve(store, key, 0.5))
    assert reservation
    assert asyncio.run(store.settle(reservation, 0.25, now=T0)) == pytest.approx(0.25)

    async def last() -> float:
        try:
            return await store.usage(key, now=T0)
        finally:
            await store.close()

    assert asyncio.run(last()) == pytest.approx(0.25)


async def test_closing_twice_is_harmless(store: Store) -> None:
    await store.close()
    await store.close()
