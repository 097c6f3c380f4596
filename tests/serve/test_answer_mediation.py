"""Complete mediation, answer side: no planted value reaches the caller through ``guard serve``,
whatever API, channel, framing, coding or content type the upstream answers in.

The stand-in (:mod:`tests.serve.answer_stand_in`) answers each request with the variant its
``x-variant`` header names; guard serve applies output policies that redact e-mails, card
numbers, SSNs and secrets. The caller reads the raw bytes (no decoding by the client: guard
must not send them compressed), and every reading of them a client could make
(:mod:`tests.serve.answer_checks`) must be free of the planted values.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from guard.serve.app import build_app
from tests.serve.answer_checks import leaks, serving, sse_data, write_policies
from tests.serve.answer_stand_in import CARD, EMAIL, PLANTED, TEXT, request_for
from tests.serve.answer_variants import catalog
from tests.serve.servers import running

VARIANTS = catalog()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with serving(write_policies(tmp_path_factory.mktemp("answers")), VARIANTS) as stack:
        yield stack


def ask(stack: dict[str, Any], name: str) -> tuple[httpx.Response, bytes]:
    """The variant's request through guard; the answer and its bytes exactly as sent."""
    path, body = request_for(VARIANTS[name])
    with stack["client"].stream("POST", path, json=body, headers={"x-variant": name}) as reply:
        raw = b"".join(reply.iter_raw())
    assert stack["upstream"].state.seen[-1][0] == name  # the stand-in answered with it
    return reply, raw


def test_the_catalog_covers_every_api_and_channel() -> None:
    assert len(VARIANTS) >= 80 and all(value in TEXT for value in PLANTED)
    apis = {v.api for v in VARIANTS.values()}
    assert apis == {"chat", "responses", "messages", "gemini", "gemini_sse", "gemini_array",
                    "interactions", "opper", "opper_stream", "ollama"}
    for variant in VARIANTS.values():  # every variant plants something a reading can see
        assert leaks(variant_bytes(variant)) == sorted(PLANTED), variant.name


def variant_bytes(variant: Any) -> bytes:
    return decoded(variant.body, variant.encoding)


def decoded(body: bytes, encoding: str | None) -> bytes:
    """``body`` with its content coding undone; as it is when that fails (a coding broken
    or unknown on purpose: the bytes are the planted ones as they are)."""
    from guard.codings import CodingError, codings, decode

    try:
        return decode(body, codings(encoding), 1 << 24) if encoding else body
    except CodingError:
        return body


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_no_planted_value_reaches_the_caller(stack: dict[str, Any], name: str) -> None:
    variant = VARIANTS[name]
    reply, raw = ask(stack, name)
    assert "content-encoding" not in reply.headers, "guard sent the answer encoded"
    if variant.unreadable:
        assert reply.status_code in (200, 502)  # a stream: its error event ends it
    else:
        assert reply.status_code == 200, raw[:300]
    assert leaks(raw) == [], raw[:2000]
    if reply.status_code == 502:
        assert b"guard cannot read the upstream's answer" in raw


def test_without_output_policies_every_planted_value_arrives(
        tmp_path_factory: pytest.TempPathFactory, stack: dict[str, Any]) -> None:
    """The control: the same variants through guard serve without output policies reach the
    caller with every planted value, so the readings above would see a leak."""
    policies = write_policies(tmp_path_factory.mktemp("control"), UNGUARDED)
    with running(build_app(policies, stack["upstream_url"])) as url, \
            httpx.Client(base_url=url, headers={"accept-encoding": "identity"}) as client:
        for name, variant in VARIANTS.items():
            if "duplicate" in name or variant.unreadable:  # a chat stream is read even so:
                continue  # guard asked for its usage, and drops that chunk again
            path, body = request_for(variant)
            with client.stream("POST", path, json=body, headers={"x-variant": name}) as reply:
                raw = b"".join(reply.iter_raw())
            sent = decoded(raw, reply.headers.get("content-encoding"))  # passed as it came
            assert leaks(sent) == sorted(PLANTED), name


UNGUARDED = """version: 1
settings: {store: "memory://", decision_log: none}
policies:
  - {name: words, type: content, detect: {keywords: ["nothing at all"]}}
"""


def test_a_readable_answer_still_says_what_it_said(stack: dict[str, Any]) -> None:
    """Redaction, not refusal: the text around the planted values arrives."""
    _, raw = ask(stack, "chat.json.content")
    assert b"Write to <EMAIL_ADDRESS> today. The card <CREDIT_CARD> is on file" in raw
    _, raw = ask(stack, "chat.sse.content")
    text = "".join(_chat_deltas(raw))
    assert text.startswith("Write to <EMAIL_ADDRESS> today.") and text.endswith(" then stop.")
    assert text.count("<") == 3 and "***" in text


def test_a_stream_cut_short_ends_with_the_apis_error_not_the_fragment(
        stack: dict[str, Any]) -> None:
    _, raw = ask(stack, "chat.sse.cut")
    events = sse_data(raw.decode())
    assert '"type":"upstream_error"' in events[-1] or "unreadable_answer" in events[-1]
    assert "".join(_chat_deltas(raw)).startswith("Write to <EMAIL_ADDRESS>")


def test_an_unterminated_last_event_is_guarded_and_ended(stack: dict[str, Any]) -> None:
    for name in ("chat.sse.unterminated", "chat.sse.unterminated_no_eol"):
        _, raw = ask(stack, name)
        deltas = "".join(_chat_deltas(raw))
        assert deltas.endswith(" Again: <EMAIL_ADDRESS>, <CREDIT_CARD>, <US_SSN>, ***."), name
        assert EMAIL not in raw.decode()


def test_a_coded_answer_goes_out_decoded(stack: dict[str, Any]) -> None:
    for name in ("chat.json.content.gzip", "chat.json.content.br", "chat.sse.content.deflate"):
        reply, raw = ask(stack, name)
        assert "content-encoding" not in reply.headers
        assert raw.lstrip().startswith((b"{", b"data:")), name
        assert "content-length" not in reply.headers or int(
            reply.headers["content-length"]) == len(raw)


def test_a_repeated_key_goes_out_as_guard_read_it(stack: dict[str, Any]) -> None:
    _, raw = ask(stack, "chat.json.duplicate_key")
    assert raw.count(b'"content"') == 1 and CARD not in raw.decode()


def _chat_deltas(raw: bytes) -> Iterator[str]:
    import json

    for data in sse_data(raw.decode()):
        try:
            chunk = json.loads(data)
        except ValueError:
            continue
        for choice in chunk.get("choices") or []:
            yield (choice.get("delta") or {}).get("content") or ""

