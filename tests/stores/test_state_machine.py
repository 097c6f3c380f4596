"""Random reserve / settle / release / time-travel sequences against a pure-Python model.

The model is the contract in its plainest form: settled spend plus the holds still live;
a settle charges a reservation it still holds (live or not), once. Amounts are whole
cents, so the model and the stores agree exactly on what fits.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from guard.stores import Reservation, store_from_url
from guard.stores.rules import fits

T = TypeVar("T")
LIMIT = 5.0
T0 = 1_700_000_000.0
EXPIRES = T0 + 1e6  # keys outlive every run (key expiry has its own contract tests)
EXAMPLES = {"memory": 100, "sqlite": 40, "redis": 25, "redis+cluster": 25,
            "redis+sentinel": 10}

cents = st.integers(0, 300).map(lambda c: c / 100)


@dataclass
class Model:
    settled: float = 0.0
    held: dict[str, tuple[float, float]] = field(default_factory=dict)  # id -> amount, hold

    def usage(self, now: float) -> float:
        return self.settled + sum(a for a, hold in self.held.values() if hold > now)


def machine_for(url: str) -> type[RuleBasedStateMachine]:
    class StoreMachine(RuleBasedStateMachine):
        reservations = Bundle("reservations")

        def __init__(self) -> None:
            super().__init__()
            self.loop = asyncio.new_event_loop()
            self.store = store_from_url(url)
            self.keys = [f"sm/{uuid.uuid4().hex}/{i}" for i in range(2)]
            self.models = [Model(), Model()]
            self.now = T0

        def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
            return self.loop.run_until_complete(coroutine)

        @rule(target=reservations, which=st.integers(0, 1), amount=cents,
              hold=st.integers(1, 30))
        def reserve(self, which: int, amount: float, hold: int) -> Reservation | None:
            model = self.models[which]
            expected = fits(model.usage(self.now), amount, LIMIT)
            admission = self.run(self.store.reserve(
                self.keys[which], amount, LIMIT, now=self.now, hold_until=self.now + hold,
                expires_at=EXPIRES))
            assert admission.admitted == expected
            if admission.reservation is None:
                return None
            model.held[admission.reservation.id] = (amount, self.now + hold)
            assert admission.used == pytest.approx(model.usage(self.now))
            assert admission.used <= LIMIT + 1e-9  # never over the limit through reserve
            return admission.reservation

        @rule(reservation=reservations, actual=cents)
        def settle(self, reservation: Reservation | None, actual: float) -> None:
            if reservation is None:
                return
            model = self.models[self.keys.index(reservation.key)]
            if model.held.pop(reservation.id, None) is not None:
                model.settled += actual  # may exceed the limit: actual spend is actual
            used = self.run(self.store.settle(reservation, actual, now=self.now))
            assert used == pytest.approx(model.usage(self.now))

        @rule(reservation=reservations)
        def release(self, reservation: Reservation | None) -> None:
            if reservation is None:
                return
            self.models[self.keys.index(reservation.key)].held.pop(reservation.id, None)
            self.run(self.store.release(reservation, now=self.now))

        @rule(seconds=st.integers(0, 20))
        def advance(self, seconds: int) -> None:
            self.now += seconds

        @invariant()
        def usage_matches_the_model(self) -> None:
            for key, model in zip(self.keys, self.models, strict=True):
                used = self.run(self.store.usage(key, now=self.now))
                assert used >= 0
                assert used == pytest.approx(model.usage(self.now))

        def teardown(self) -> None:
            self.run(self.store.close())
            self.loop.close()

    return StoreMachine


def test_stores_follow_the_model(url: str) -> None:
    backend = url.partition(":")[0]
    run_state_machine_as_test(machine_for(url), settings=settings(
        max_examples=EXAMPLES[backend], stateful_step_count=30, deadline=None))
