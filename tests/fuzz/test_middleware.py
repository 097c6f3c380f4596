"""``GuardMiddleware`` wrapping a real app under fuzzed requests and answers (real HTTP)."""

from __future__ import annotations

from hypothesis import example, given

from tests.fuzz.answers import exchanges
from tests.fuzz.bodies import Request, hostile_requests
from tests.fuzz.budget import DEEP, examples, known_examples
from tests.fuzz.harness import Stack, exchange
from tests.fuzz.stand_in import Answer

PLAIN = Answer((b'{"result": "fine"}',))


@examples(100)
@given(exchanges())
@known_examples
def test_planted_values_reach_neither_side(middleware: Stack,
                                           drawn: tuple[Request, Answer, str]) -> None:
    exchange(middleware, *drawn)


@examples(100)
@given(request=hostile_requests())
@example(request=DEEP)
def test_hostile_bodies_get_a_4xx_in_their_api_shape(middleware: Stack, request: Request) -> None:
    exchange(middleware, request, PLAIN)
