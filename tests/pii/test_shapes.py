"""Zero leaks in every API shape: each corpus value, in every place a request carries text.

For every request shape guard reads (OpenAI chat, Responses, Embeddings, Completions,
Anthropic Messages, Opper calls) and every true positive of the corpus, the body a
redact policy forwards must not contain the value anywhere, tool-call arguments must
still be JSON, and the JSON structure (keys, list lengths) must be what was sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from guard import Guard

Shape = tuple[str, Callable[[str], dict[str, Any]]]
Check = Callable[[dict[str, Any], Any, list[str]], None]


def test_no_corpus_value_is_forwarded(redactor: Guard, corpus: dict[str, Any],
                                      shapes: dict[str, Shape], shape: str,
                                      forwarded_clean: Check) -> None:
    path, build = shapes[shape]
    for entry in corpus["positives"]:
        body = build(entry["text"])
        decision = redactor.check_request_sync(body, path=path)
        assert decision.action == "modify", (shape, entry["text"])
        forwarded_clean(body, decision.body, [str(value) for _, value in entry["expect"]])


def test_every_place_of_a_shape_is_redacted(redactor: Guard, shapes: dict[str, Shape],
                                            shape: str) -> None:
    """Places holding the text twice (arguments and result, ...) are both edited."""
    path, build = shapes[shape]
    body = build("write to ana.lopez@example.com")
    decision = redactor.check_request_sync(body, path=path)
    sent, forwarded = str(body), str(decision.body)
    assert forwarded.count("<EMAIL_ADDRESS>") == sent.count("ana.lopez@example.com") >= 1
