"""Request paths: one spelling per endpoint, or a refusal (guard.dialects.paths)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.dialects import PathError, RequestPath, normalize

CHAT = "/v1/chat/completions"


@pytest.mark.parametrize("spelling", [
    "//v1//chat/completions", "/v1/./chat/completions", "/v1/x/../chat/completions",
    "/v1/chat/completions;x=1", "/v1;a=b/chat;c/completions;d=e", "/v1/%63hat/completions",
    "/%76%31/chat/completions", "/v1/x/y/../../chat/completions", "/v1/%2e/chat/completions",
    "/v1/x/%2E%2e/chat/completions", "/./v1/chat/completions", "v1/chat/completions",
    "/v1/x/..;p/chat/completions",
])
def test_spellings_of_one_endpoint_normalize_to_it(spelling: str) -> None:
    assert normalize(spelling) == RequestPath(CHAT, CHAT, "")


def test_case_is_kept_in_the_path_and_dropped_from_the_key() -> None:
    found = normalize("/V1/Chat/COMPLETIONS")
    assert (found.path, found.key) == ("/V1/Chat/COMPLETIONS", CHAT)
    assert found.segments == ("v1", "chat", "completions")
    assert found.parts == ("V1", "Chat", "COMPLETIONS")


def test_a_trailing_slash_is_kept_in_the_path_but_not_in_the_key() -> None:
    found = normalize("/v1/chat/completions/")
    assert (found.path, found.key) == (CHAT + "/", CHAT)
    assert normalize("/").path == normalize("").path == "/"
    assert normalize("/").segments == ()


def test_the_query_is_split_off_and_rides_along() -> None:
    found = normalize("/v1/models/gemini:streamGenerateContent?alt=sse&key=a?b")
    assert found.path == "/v1/models/gemini:streamGenerateContent"
    assert found.query == "alt=sse&key=a?b"
    assert found.target == "/v1/models/gemini:streamGenerateContent?alt=sse&key=a?b"
    assert normalize("/v1/x", b"a=1").query == "a=1"
    assert normalize(b"/v1/x?q=\xff").query == "q=\xff"  # a query's bytes are not the path's


@pytest.mark.parametrize(("target", "path", "query"), [
    ("http://gw:8080/v1/chat/completions?x=1", CHAT, "x=1"),
    ("HTTPS://gw//v1/./chat/completions", CHAT, ""),
    ("http://gw", "/", ""),
    ("http://gw?x", "/", "x"),
])
def test_absolute_form_targets_count_by_their_path(target: str, path: str, query: str) -> None:
    found = normalize(target)
    assert (found.path, found.query) == (path, query)


def test_a_scheme_further_in_is_part_of_the_path() -> None:
    # not an absolute form: taking it for one would forward "/v1/chat/completions"
    found = normalize("/proxy/http://evil/v1/chat/completions")
    assert found.path == "/proxy/http:/evil/v1/chat/completions"


def test_plain_escapes_decode_and_unicode_round_trips() -> None:
    found = normalize("/v1/models/%F0%9F%98%80%20x".replace("%20", "-"))
    assert found.path == "/v1/models/\U0001f600-x"
    assert found.raw == "/v1/models/%F0%9F%98%80-x"
    assert normalize("/é/[x]").raw == "/%C3%A9/%5Bx%5D"


@pytest.mark.parametrize(("path", "why"), [
    ("/v1/chat%2Fcompletions", "escaped '/'"), ("/v1/chat%2fcompletions", "escaped '/'"),
    ("/v1/chat%5Ccompletions", "escaped '\\\\\\\\'"), ("/v1/a%25b", "escaped '%'"),
    ("/v1/a%3Bb", "escaped ';'"), ("/v1/a%3fb", "escaped '?'"), ("/v1/a%23b", "escaped '#'"),
    ("/v1\\chat", "backslash"), ("/v1/a b", "space"), ("/v1/a%20b", "space"),
    ("/v1/a%00", "control"), ("/v1/a\x00", "control"), ("/v1/a\t", "control"),
    ("/v1/a%7f", "control"), ("/v1/a%C2%85", "control"), ("/v1/a%C2%A0b", "space"),
    ("/v1/a\u2028", "space"), ("/v1/a\ud800", "surrogate"), ("/..", "above its root"),
    ("/v1/../../x", "above its root"), ("/%2e%2e/x", "above its root"),
    ("/v1/%FF", "not UTF-8"), ("/v1/%ED%A0%80", "not UTF-8"), ("/v1/a%", "starts no escape"),
    ("/v1/a%4", "starts no escape"), ("/v1/a%zz", "starts no escape"),
    ("/v1/a%+1", "starts no escape"), ("/v1/a#frag", "fragment"), ("http://h#x/v1", "fragment"),
])
def test_paths_read_more_than_one_way_are_refused(path: str, why: str) -> None:
    with pytest.raises(PathError, match=why):
        normalize(path)


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(PathError, match="not UTF-8"):
        normalize(b"/v1/\xff")
    assert normalize("/v1/é".encode()).path == "/v1/é"


@pytest.mark.parametrize("path", [
    "/v1/chat/completions", "/V1/Chat/", "/v1/models/gemini-2.5-flash:generateContent",
    "/a/%C3%A9/%5B%5D", "/a/!$&'()*+,=:@~", "/%F0%9F%98%80", "/x/..%2e/y",
])
def test_raw_reencoding_round_trips(path: str) -> None:
    found = normalize(path)
    assert found.raw.isascii()
    assert normalize(found.raw) == found
    assert normalize(found.path) == found


PATH_TEXT = st.lists(st.sampled_from([*"/.;?#%:aA2eEfF5cC ~\\", "%2", "é", "\x00", "\ud800"]),
                     max_size=24).map("".join)
"""Text made of what paths are cut, escaped and refused on, so most draws reach the edges."""


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=40), st.binary(max_size=40), PATH_TEXT,
                 st.lists(st.sampled_from(["", ".", "..", "%2e", "a", "A;b", "%41", "%2F",
                                           "%", "é", "x?y"]), max_size=6).map("/".join)))
def test_normalize_only_refuses_and_is_idempotent(path: str | bytes) -> None:
    try:
        found = normalize(path)
    except PathError:
        return
    assert found.raw.isascii() and found.raw.startswith("/")
    assert found.key == found.key.lower()
    assert found.key == "/" or not found.key.endswith("/")
    assert normalize(found.target) == found
    assert normalize(found.raw, found.query) == found
