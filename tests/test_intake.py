"""The one rule for what is guarded (guard.intake), through ``Guard.check_request``.

Library level: no HTTP. Each case is a request guard must either read one way only or
answer before any policy: forms, plain text, content codings, passthrough entries, unknown
APIs, bad paths and ambiguous JSON.
"""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import brotli
import pytest

from guard import Guard, PolicyError
from guard.engine.decision import Decision

CHAT = "/v1/chat/completions"
EMAIL = "jane.roe@example.com"
PII = """
policies:
  - {name: contacts, type: pii, entities: [EMAIL_ADDRESS], action: redact}
"""


def guard(settings: str = "", policies: str = PII) -> Guard:
    """A policy set redacting e-mail addresses, with ``settings`` (YAML flow mapping items)."""
    extra = f", {settings}" if settings else ""
    return Guard.from_yaml(f'version: 1\nsettings: {{store: "memory://"{extra}}}\n{policies}')


def chat(text: str = f"mail {EMAIL}") -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}


BODY = json.dumps(chat()).encode()
REDACTED = "mail <EMAIL_ADDRESS>"


def code(decision: Decision) -> str:
    assert decision.action == "deny"
    return decision.violations[0].policy


def redacted(decision: Decision) -> str:
    assert decision.action == "modify" and decision.body is not None
    return str(decision.body["messages"][0]["content"])


# --- what guard cannot read ------------------------------------------------------------------

@pytest.mark.parametrize("content_type", [
    "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "Multipart/Mixed",
])
async def test_forms_are_415_whatever_they_hold(content_type: str) -> None:
    decision = await guard().check_request(BODY, path=CHAT,
                                           headers={"Content-Type": content_type})
    assert (decision.status, code(decision)) == (415, "unsupported_media_type")


@pytest.mark.parametrize("content_type", ["text/plain", "audio/wav", "application/octet-stream"])
async def test_a_body_that_is_not_json_nor_says_so_is_415(content_type: str) -> None:
    decision = await guard().check_request(b"hello there", path=CHAT,
                                           headers={"content-type": content_type})
    assert (decision.status, code(decision)) == (415, "unsupported_media_type")
    assert "settings.passthrough" in decision.violations[0].message


async def test_json_is_known_by_its_content_whatever_its_type_says() -> None:
    decision = await guard().check_request(BODY, path=CHAT,
                                           headers={"content-type": "text/plain"})
    assert decision.inspected and redacted(decision) == REDACTED


@pytest.mark.parametrize("headers", [{"content-type": "application/json"},
                                     {"content-type": "application/vnd.api+json"}, {}])
async def test_a_body_that_says_it_is_json_and_is_not_is_400(headers: dict[str, str]) -> None:
    decision = await guard().check_request(b"{not json", path=CHAT, headers=headers)
    assert (decision.status, code(decision)) == (400, "invalid_request")


# --- content codings -------------------------------------------------------------------------

def _deflate(data: bytes, wbits: int) -> bytes:
    engine = zlib.compressobj(wbits=wbits)
    return engine.compress(data) + engine.flush()


ENCODED = {
    "gzip": gzip.compress(BODY),
    "x-gzip": gzip.compress(BODY),
    "deflate": zlib.compress(BODY),
    "deflate-raw": _deflate(BODY, -15),
    "deflate-small-window": _deflate(BODY, 9),  # a zlib header that does not start 0x78
    "br": brotli.compress(BODY),
    "gzip, br": brotli.compress(gzip.compress(BODY)),
    "identity": BODY,
}


@pytest.mark.parametrize("name", list(ENCODED))
async def test_encoded_bodies_are_decoded_inspected_and_forwarded_decoded(name: str) -> None:
    coding = name.removesuffix("-raw").removesuffix("-small-window")
    decision = await guard().check_request(ENCODED[name], path=CHAT,
                                           headers={"Content-Encoding": coding})
    assert redacted(decision) == REDACTED
    assert decision.state["forward"] == BODY
    assert decision.state["decoded"] is (coding != "identity")


async def test_an_unencoded_body_is_forwarded_as_given() -> None:
    decision = await guard(policies="").check_request(BODY, path=CHAT)
    assert decision.action == "allow"
    assert decision.state["forward"] == BODY and decision.state["decoded"] is False


async def test_every_gzip_member_is_read() -> None:
    # multi-member readers (Go, Python) read both; guard must not inspect the first only
    half = len(BODY) // 2
    body = gzip.compress(BODY[:half]) + gzip.compress(BODY[half:])
    decision = await guard().check_request(body, path=CHAT, headers={"content-encoding": "gzip"})
    assert redacted(decision) == REDACTED and decision.state["forward"] == BODY


@pytest.mark.parametrize(("coding", "body"), [
    ("gzip", gzip.compress(BODY) + b"trailing"),
    ("deflate", zlib.compress(BODY) + b"\x00"),
    ("br", brotli.compress(BODY) + b"x"),
])
async def test_data_after_the_end_of_the_stream_is_400(coding: str, body: bytes) -> None:
    decision = await guard().check_request(body, path=CHAT,
                                           headers={"content-encoding": coding})
    assert (decision.status, code(decision)) == (400, "invalid_encoding")


@pytest.mark.parametrize("coding", ["zstd", "compress", "gzip, zstd"])
async def test_an_encoding_guard_cannot_undo_is_415(coding: str) -> None:
    decision = await guard().check_request(BODY, path=CHAT,
                                           headers={"content-encoding": coding})
    assert (decision.status, code(decision)) == (415, "unsupported_encoding")


BOMB = b'{"model": "gpt-4o", "input": "' + b"x" * 200_000 + b'"}'


@pytest.mark.parametrize(("coding", "body"), [
    ("gzip", gzip.compress(BOMB)), ("deflate", zlib.compress(BOMB)),
    ("br", brotli.compress(BOMB)),
    ("gzip", gzip.compress(BOMB[:4000]) + gzip.compress(BOMB[4000:])),
])
async def test_a_body_decoding_past_the_limit_is_413(coding: str, body: bytes) -> None:
    assert len(body) < 10_000
    decision = await guard("max_body_bytes: 10000").check_request(
        body, path=CHAT, headers={"content-encoding": coding})
    assert (decision.status, code(decision)) == (413, "body_too_large")


@pytest.mark.parametrize(("coding", "body"), [
    ("gzip", gzip.compress(BODY)[:-6]), ("gzip", b"not gzip at all"),
    ("deflate", zlib.compress(BODY)[:-8]), ("br", brotli.compress(BODY)[:-3]),
    ("gzip", b""),
])
async def test_a_cut_or_broken_coding_is_400(coding: str, body: bytes) -> None:
    decision = await guard().check_request(body, path=CHAT,
                                           headers={"content-encoding": coding})
    assert (decision.status, code(decision)) == (400, "invalid_encoding")


# --- passthrough -----------------------------------------------------------------------------

PASSTHROUGH = 'passthrough: ["POST /v1/audio/*", "* /files/*", "WEBSOCKET /v1/*"]'


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/v1/audio/transcriptions"), ("post", "/V1/Audio/Speech/"),
    ("POST", "//v1/./audio/x"), ("PUT", "/files/abc"), ("DELETE", "/files/a/b"),
    ("GET", "/Files/x"),
])
async def test_passthrough_entries_are_forwarded_unread(method: str, path: str) -> None:
    decision = await guard(PASSTHROUGH).check_request(b"RIFF\x00\x01 not json", path=path,
                                                      method=method,
                                                      headers={"content-type": "audio/wav"})
    assert (decision.action, decision.inspected) == ("allow", False)
    assert decision.body is None and decision.violations == []
    assert [(t.policy, t.type) for t in decision.trace] == [("passthrough", "intake")]
    assert decision.trace[0].detail == {"method": method.upper()}
    assert decision.headers["x-guard-decision-id"] == decision.decision_id


@pytest.mark.parametrize(("method", "path"), [
    ("PUT", "/v1/audio/transcriptions"), ("POST", "/v1/files/abc"), ("POST", "/v1/audio"),
    ("WEBSOCKET", "/v1/chat/completions"),  # an HTTP method, whatever its name
])
async def test_other_methods_and_paths_are_inspected(method: str, path: str) -> None:
    decision = await guard(PASSTHROUGH).check_request(BODY, path=path, method=method)
    assert decision.inspected and redacted(decision) == REDACTED


# --- unknown APIs ----------------------------------------------------------------------------

ODD = {"model": EMAIL, "type": EMAIL, "id": EMAIL, "role": EMAIL,
       "deep": [{"model": EMAIL, "object": {"text": f"to {EMAIL}"}}]}


async def test_unknown_apis_are_scanned_whole_by_default() -> None:
    decision = await guard().check_request(ODD, path="/v1/something/new")
    assert decision.api == "unknown" and decision.inspected
    assert decision.body == {"model": "<EMAIL_ADDRESS>", "type": "<EMAIL_ADDRESS>",
                             "id": "<EMAIL_ADDRESS>", "role": "<EMAIL_ADDRESS>",
                             "deep": [{"model": "<EMAIL_ADDRESS>",
                                       "object": {"text": "to <EMAIL_ADDRESS>"}}]}


async def test_unknown_apis_blocked() -> None:
    decision = await guard("unknown_api: block").check_request(ODD, path="/v1/something/new")
    assert (decision.status, code(decision), decision.api) == (400, "unknown_api", "unknown")
    known = await guard("unknown_api: block").check_request(BODY, path=CHAT)
    assert redacted(known) == REDACTED


async def test_unknown_apis_allowed_pass_unread() -> None:
    decision = await guard("unknown_api: allow").check_request(
        json.dumps(ODD), path="/v1/something/new")
    assert (decision.action, decision.inspected) == ("allow", False)
    assert [(t.policy, t.type) for t in decision.trace] == [("unknown_api", "intake")]


# --- paths and ambiguous JSON ----------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/v1/chat%2Fcompletions", "/v1/chat/completions%00", "/../v1/chat/completions",
    "/v1\\chat/completions", "/v1/chat/%E0", "/v1/chat/completions#x",
])
async def test_invalid_paths_are_400(path: str) -> None:
    decision = await guard(PASSTHROUGH).check_request(BODY, path=path)
    assert (decision.status, code(decision)) == (400, "invalid_path")


async def test_the_decision_carries_the_normalized_path() -> None:
    decision = await guard().check_request(BODY, path="//V1/x/../chat/completions;p")
    assert decision.path == "/V1/chat/completions" and decision.api == "openai.chat"


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", ""])
@pytest.mark.parametrize("body", [
    b'{"model": "a", "model": "b", "messages": []}',
    b'{"model": "a", "Model": "b", "messages": []}',
    b'{"model": "a", "messages": [], "max_tokens": 1e400}',
])
async def test_ambiguous_json_is_400_whatever_its_type(body: bytes, content_type: str) -> None:
    decision = await guard().check_request(body, path=CHAT,
                                           headers={"content-type": content_type})
    assert (decision.status, code(decision)) == (400, "invalid_request")
    assert "ambiguous" in decision.violations[0].message


SURROGATES: list[Any] = [
    b'{"model": "a", "messages": [{"role": "user", "content": "\\ud800 ' + EMAIL.encode()
    + b'"}]}',
    '{"model": "a", "messages": [{"role": "user", "content": "\ud800 ' + EMAIL + '"}]}',
    chat(f"\ud800 {EMAIL}"),
    {**chat(), "metadata": {"\udc00": "x"}},
]


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
@pytest.mark.parametrize("body", SURROGATES)
async def test_a_lone_surrogate_is_400_never_5xx_nor_unscanned(body: Any,
                                                              content_type: str) -> None:
    for on_error in ("block", "allow"):
        decision = await guard(f"on_error: {on_error}").check_request(
            body, path=CHAT, headers={"content-type": content_type})
        assert (decision.status, code(decision)) == (400, "invalid_request")


@pytest.mark.parametrize("body", [
    {**chat(), "Model": "other"}, {**chat(), "t": float("nan")}, {**chat(), "b": b"bytes"},
    {**chat(), "metadata": {1: "a", "1": "b"}},
])
async def test_a_parsed_body_is_held_to_the_same_rules(body: dict[str, Any]) -> None:
    decision = await guard().check_request(body, path=CHAT)
    assert (decision.status, code(decision)) == (400, "invalid_request")


# --- settings --------------------------------------------------------------------------------

@pytest.mark.parametrize(("entry", "why"), [
    ("POST", "expected"), ("POST v1/audio", "expected"), ("PO ST /x", "expected"),
    ("POST\t/x", "expected"), ("POST /v1//audio/*", "no request path"),
    ("POST /v1/../audio", "no request path"), ("POST /v1/a%2Fb", "no request path"),
    ("POST /v1/a b", "no request path"), ("POST /v1/./x", "no request path"),
])
def test_bad_passthrough_entries_are_load_errors_at_their_line(entry: str, why: str) -> None:
    text = ("version: 1\nsettings:\n  store: 'memory://'\n  passthrough:\n"
            f"    - POST /v1/audio/*\n    - {json.dumps(entry)}\n")
    with pytest.raises(PolicyError) as failure:
        Guard.from_yaml(text, name="gateway.yaml")
    [problem] = failure.value.problems
    assert (problem.file, problem.line, problem.path) == ("gateway.yaml", 6,
                                                          "settings.passthrough[1]")
    assert why in problem.message
    assert str(problem).startswith("gateway.yaml:6: ")


def test_settings_values_are_checked() -> None:
    with pytest.raises(PolicyError, match="unknown_api"):
        guard("unknown_api: maybe")
    with pytest.raises(PolicyError, match="gateway"):
        guard("gateway: nginx")
    loaded = guard('passthrough: ["post /V1/Audio/", "* /"], gateway: litellm')
    assert [(p.method, p.glob) for p in loaded.passthrough] == [("POST", "/v1/audio"),
                                                                ("*", "/")]
    assert loaded.settings.unknown_api == "scan" and loaded.settings.gateway == "litellm"
