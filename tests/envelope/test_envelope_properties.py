"""Properties of parsing and editing over random bodies.

Bodies come from a plain recursive JSON strategy and from strategies shaped
like the real APIs (chat, Anthropic, Responses, Opper, embeddings) with junk
in random places, so the readers' specific paths are exercised, not only the
generic walk.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from guard.dialects import default_path
from guard.envelope import (
    Edit,
    Envelope,
    Pointer,
    Segment,
    apply_edits,
    parse_request,
    resolve,
)
from guard.envelope.parse import UnusableJSON
from guard.envelope.walk import looks_binary
from guard.errors import RequestError

KEYS = [
    "role", "content", "type", "text", "tool_calls", "function", "arguments", "name", "input",
    "output", "id", "data", "source", "system", "messages", "model", "image_url", "url",
    "summary", "call_id", "instructions", "prompt", "variables", "media_type", "thinking",
    "cache_control", "tags", "examples", "refusal", "function_call", "title",
]  # fmt: skip

keys = st.sampled_from(KEYS) | st.text(max_size=6)
texts = st.text(max_size=20)
scalars = (
    st.none() | st.booleans() | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False) | texts
)
plain_json = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=20,
)
json_strings = plain_json.map(json.dumps) | st.sampled_from(["{", "[1,", "", "null", "{}"])
"""Strings holding JSON (tool-call arguments), valid or not."""

values = st.recursive(
    scalars | json_strings,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
    max_leaves=25,
)
INTS = st.integers(-(2**63), 2**63 - 1)  # the JSON integers guard reads

junk = st.one_of(st.none(), INTS, texts, st.lists(values, max_size=2), values)


def mostly(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``strategy`` four times in five, junk otherwise."""
    return st.sampled_from([strategy, strategy, strategy, strategy, junk]).flatmap(lambda s: s)


def shaped(
    required: dict[str, Any], optional: dict[str, Any], *, top: bool = False
) -> st.SearchStrategy[Any]:
    """A dict with these fields (each mostly well-typed) plus maybe a random extra one.

    Mostly such a dict, sometimes junk; always a dict for a top-level body.
    """
    base = st.fixed_dictionaries(
        {k: mostly(v) for k, v in required.items()},
        optional={k: mostly(v) for k, v in optional.items()},
    )
    extras = st.dictionaries(keys, values, max_size=1)
    merged = st.tuples(base, extras).map(lambda pair: {**pair[1], **pair[0]})
    return merged if top else mostly(merged)


words = st.text(min_size=1, max_size=20)
roles = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function"])
part_types = st.sampled_from([
    "text", "image_url", "input_text", "output_text", "image", "document", "tool_use",
    "tool_result", "thinking", "input_audio", "file", "refusal", "brand_new",
])  # fmt: skip
part: st.SearchStrategy[Any] = st.deferred(lambda: shaped({"type": part_types}, {
    "text": words, "input": values, "content": words | st.lists(part, max_size=2),
    "source": shaped({"type": st.sampled_from(["base64", "text", "url"])},
                     {"data": words, "url": words, "media_type": words}),
    "image_url": shaped({"url": words}, {"detail": words}), "thinking": words,
}))
arguments = st.dictionaries(keys, plain_json, min_size=1, max_size=4).map(json.dumps)
function = shaped({"name": words, "arguments": arguments | json_strings | words}, {})
tool_call = shaped({"function": function}, {"id": words, "type": st.just("function")})
content = words | st.lists(part, min_size=1, max_size=3)
message = shaped({"role": roles}, {
    "content": content, "tool_calls": st.lists(tool_call, min_size=1, max_size=2),
    "function_call": function, "name": words, "refusal": words,
})
item = message | shaped({"type": st.sampled_from(["function_call", "function_call_output",
                                                  "reasoning", "custom_tool_call", "other"])},
                        {"arguments": arguments | json_strings, "output": content,
                         "input": values, "summary": st.lists(part, max_size=2),
                         "call_id": words})
models = words | st.lists(words, max_size=3)

chat = shaped({"messages": st.lists(message, min_size=1, max_size=4)},
              {"model": models, "system": content, "stream": st.booleans(),
               "max_tokens": INTS, "tools": values, "metadata": values}, top=True)
responses = shaped({"input": words | st.lists(item, min_size=1, max_size=4)},
                   {"instructions": words, "model": models, "prompt": values}, top=True)
opper = shaped({"name": words, "input": values},
               {"instructions": words, "model": models, "tags": values,
                "examples": values, "output_schema": values}, top=True)
embeddings = shaped({"input": words | st.lists(words | INTS, max_size=3)},
                    {"model": models}, top=True)
any_object = st.dictionaries(keys, values, max_size=6)
bodies = st.one_of(chat, responses, opper, embeddings, any_object)
paths = st.sampled_from([
    "", "/v1/chat/completions", "/v1/messages", "/v1/responses", "/v1/embeddings",
    "/v1/completions", "/v3/call", "/v3/compat/chat/completions", "/elsewhere",
])  # fmt: skip

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@SETTINGS
@given(body=bodies, path=paths)
def test_parse_never_raises_on_json_objects(body: dict[str, Any], path: str) -> None:
    for source in (json.dumps(body), body):
        try:
            env = parse_request(source, path=path)
        except RequestError:
            continue
        assert isinstance(env, Envelope)
        assert env.tokens >= 0
        assert env.text == "\n".join(s.text for s in env.segments)


@SETTINGS
@given(body=st.dictionaries(keys, st.recursive(
    st.floats() | scalars, lambda i: st.lists(i, max_size=3) | st.dictionaries(keys, i, max_size=3)
)), path=paths)
def test_parse_never_raises_on_mappings_with_nan(body: dict[str, Any], path: str) -> None:
    parse_request(body, path=path)


NUL_PRONE = st.text(alphabet="a\x00\\x", max_size=4)


@SETTINGS
@given(body=bodies | st.fixed_dictionaries({"input": st.text(alphabet="a\x00\\u0", max_size=8)}),
       path=paths | st.text(alphabet="/a\x00", max_size=4), ascii_only=st.booleans(),
       headers=st.dictionaries(NUL_PRONE, NUL_PRONE, max_size=2))
def test_nul_free_never_claims_a_request_without_nul_wrongly(
        body: dict[str, Any], path: str, ascii_only: bool, headers: dict[str, str]) -> None:
    """CEL binding trusts ``nul_free`` and skips its NUL walk: it must never be wrong."""
    for raw in (json.dumps(body, ensure_ascii=ascii_only), json.dumps(body).encode()):
        try:
            env = parse_request(raw, path=path, headers=headers)
        except RequestError:
            continue
        if env.nul_free:
            assert not holds_nul((env.body, env.path, dict(env.headers)))


def holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(v) for v in value)
    return False


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=60) | st.text(max_size=60) | plain_json.map(json.dumps))
def test_any_bytes_give_an_envelope_or_request_error(raw: bytes | str) -> None:
    with contextlib.suppress(RequestError):
        parse_request(raw)


@SETTINGS
@given(body=bodies, path=paths)
def test_pointers_resolve_to_exactly_the_segment_text(body: dict[str, Any], path: str) -> None:
    parsed = json.loads(json.dumps(body))
    try:
        env = parse_request(json.dumps(body), path=path)
    except UnusableJSON as exc:  # keys differing only in case ("Ý", "ý"): refused by design
        assert "ambiguous" in str(exc)
        reject()
    assert env.body == parsed
    for segment in env.segments:
        assert resolve(parsed, segment.pointer, segment.inner) == segment.text


def draw_edits(data: st.DataObject, segments: tuple[Segment, ...]) -> list[Edit]:
    """Random non-overlapping edits on a random subset of the segments."""
    edits: list[Edit] = []
    for segment in segments:
        if not data.draw(st.booleans()):
            continue
        cuts = sorted(data.draw(st.lists(st.integers(0, len(segment.text)), max_size=4)))
        for start, end in zip(cuts[::2], cuts[1::2], strict=False):
            edits.append(Edit(segment, start, end, data.draw(st.text(max_size=8))))
    return edits


def assert_same_shape(old: Any, new: Any, edited: dict[Pointer, set[Pointer | None]],
                      path: Pointer = ()) -> None:
    """Same types, keys (in order) and list lengths; strings equal unless edited."""
    if path in edited:
        assert isinstance(new, str)
        inners = edited[path]
        if None not in inners:  # a JSON string edited inside: same structure once decoded
            assert_same_shape(json.loads(old), json.loads(new), {i: {None} for i in inners
                                                                  if i is not None})
        return
    assert type(old) is type(new), path
    if isinstance(old, dict):
        assert list(old) == list(new), path
        for key in old:
            assert_same_shape(old[key], new[key], edited, (*path, key))
    elif isinstance(old, list):
        assert len(old) == len(new), path
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            assert_same_shape(a, b, edited, (*path, i))
    else:
        assert old == new, path


def apply_right_to_left(text: str, edits: list[Edit]) -> str:
    """The obvious implementation, independent of ``splice``: last edit first."""
    for edit in reversed(sorted(edits, key=lambda e: (e.start, e.end))):
        text = text[: edit.start] + edit.replacement + text[edit.end :]
    return text


def reclassified(segment: Segment, text: str) -> bool:
    """An edit that changes how a string is read (a raw JSON argument becoming valid...)."""
    if not text or looks_binary(text):
        return True
    if segment.inner is None and segment.pointer and segment.pointer[-1] == "arguments":
        try:
            json.loads(text)
        except ValueError:
            return False
        return True
    return False


@SETTINGS
@given(body=bodies, path=paths, data=st.data())
def test_edits_change_only_the_edited_strings(
    body: dict[str, Any], path: str, data: st.DataObject
) -> None:
    body = json.loads(json.dumps(body))
    try:  # as text: a body parsers read differently (keys differing in case) is refused
        env = parse_request(json.dumps(body), path=path)
    except RequestError:
        return
    edits = draw_edits(data, env.segments)
    new = apply_edits(body, edits)
    assert body == json.loads(json.dumps(body))  # the input is unchanged (and still JSON)

    edited: dict[Pointer, set[Pointer | None]] = {}
    for edit in edits:
        edited.setdefault(edit.segment.pointer, set()).add(edit.segment.inner)
    assert_same_shape(body, new, edited)

    again = parse_request(json.dumps(new), path=path or default_path(env.api))
    assert again.api == env.api
    after = {(s.pointer, s.inner): s for s in again.segments}
    for segment in env.segments:
        mine = [e for e in edits if e.segment is segment]
        expected = apply_right_to_left(segment.text, mine)
        if mine and reclassified(segment, expected):
            continue
        found = after.get((segment.pointer, segment.inner))
        assert found is not None, segment
        assert (found.text, found.role, found.kind) == (expected, segment.role, segment.kind)
