"""Content codings undone as bytes arrive: every gzip member, both deflate flavours, brotli,
chunked anywhere; output bounded; cut-short and trailing data refused."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.codings import CodingError, Decoder, codings, decode

TEXT = b'{"choices": [{"message": {"content": "mail jane.roe@example.com"}}]}' * 20


def raw_deflate(data: bytes) -> bytes:
    engine = zlib.compressobj(wbits=-15)
    return engine.compress(data) + engine.flush()


ENCODED = {
    "gzip": gzip.compress(TEXT),
    "deflate": zlib.compress(TEXT),
    "raw deflate": raw_deflate(TEXT),
    "br": brotli.compress(TEXT),
}
NAMES = {"gzip": ["gzip"], "deflate": ["deflate"], "raw deflate": ["deflate"], "br": ["br"]}


@pytest.mark.parametrize("kind", sorted(ENCODED))
def test_whole_bodies_decode(kind: str) -> None:
    assert decode(ENCODED[kind], NAMES[kind], 1 << 20) == TEXT


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(sorted(ENCODED)), cuts=st.lists(st.integers(0, 2000), max_size=8))
def test_any_chunking_decodes_the_same(kind: str, cuts: list[int]) -> None:
    data = ENCODED[kind]
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]
    decoder = Decoder(NAMES[kind], 1 << 20)
    assert b"".join(decoder.feed(p) for p in pieces) + decoder.end() == TEXT


def test_every_gzip_member_and_stacked_codings() -> None:
    two = gzip.compress(b"first ") + gzip.compress(b"second")
    assert decode(two, ["gzip"], 100) == b"first second"
    stacked = brotli.compress(gzip.compress(TEXT))  # gzip applied first, then br
    assert decode(stacked, codings("gzip, br"), 1 << 20) == TEXT


def test_limits_cut_short_and_trailing_data_are_errors() -> None:
    bomb = gzip.compress(b"0" * 1_000_000)
    with pytest.raises(CodingError) as big:
        decode(bomb, ["gzip"], 10_000)
    assert big.value.kind == "too_large"
    with pytest.raises(CodingError) as cut:
        decode(ENCODED["gzip"][:-5], ["gzip"], 1 << 20)
    assert cut.value.kind == "invalid"
    with pytest.raises(CodingError) as trailing:
        decode(ENCODED["deflate"] + b"more", ["deflate"], 1 << 20)
    assert trailing.value.kind == "invalid"
    with pytest.raises(CodingError) as brotli_bomb:
        decode(brotli.compress(b"0" * 1_000_000), ["br"], 10_000)
    assert brotli_bomb.value.kind == "too_large"


def test_header_parsing() -> None:
    assert codings("") == [] and codings("identity") == []
    assert codings("GZIP, br") == ["gzip", "br"]
    with pytest.raises(CodingError) as unknown:
        codings("zstd")
    assert unknown.value.kind == "unsupported"
