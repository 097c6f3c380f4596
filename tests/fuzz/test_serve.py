"""``guard serve`` under fuzzed requests and answers (real HTTP on loopback both ways)."""

from __future__ import annotations

from hypothesis import example, given

from tests.fuzz.answers import exchanges
from tests.fuzz.bodies import SHAPES, TOO_LONG, Request, hostile_requests
from tests.fuzz.budget import DEEP, examples, known_examples
from tests.fuzz.harness import Stack, exchange
from tests.fuzz.stand_in import Answer

PLAIN = Answer((b'{"result": "fine"}',))


@examples(100)
@given(exchanges())
@known_examples
def test_planted_values_reach_neither_side(serve: Stack,
                                           drawn: tuple[Request, Answer, str]) -> None:
    exchange(serve, *drawn)


@examples(100)
@given(request=hostile_requests())
@example(request=DEEP)
def test_hostile_bodies_get_a_4xx_in_their_api_shape(serve: Stack, request: Request) -> None:
    exchange(serve, request, PLAIN)


def test_a_number_past_the_digit_limit_is_refused_without_internals(serve: Stack) -> None:
    body = f'{{"model": {TOO_LONG}, "messages": [{{"role": "user", "content": "hi"}}]}}'
    chat = next(s for s in SHAPES if s.name == "openai.chat")
    response = exchange(serve, Request(chat, chat.paths[0], body.encode(), None, False), PLAIN)
    assert response.status_code == 400
