"""Token counts: tiktoken offline for OpenAI models, the labelled estimate otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from guard.envelope import Envelope, parse_request
from guard.pricing.tokens import count_input_tokens, encoding_for, pieces

CHAT = "/v1/chat/completions"


def chat(text: str, model: str) -> Envelope:
    return parse_request({"model": model, "messages": [{"role": "user", "content": text}]},
                         path=CHAT)


def test_openai_models_are_counted_with_their_real_vocabulary() -> None:
    env = chat("Hello world", "gpt-4o")
    count = count_input_tokens(env, "openai/gpt-4o")
    assert count.exact and count.tokens == 2 + 4  # "Hello", " world" + message framing
    assert encoding_for("openai/gpt-4o").name == "o200k_base"  # type: ignore[union-attr]
    assert encoding_for("gpt-4-turbo").name == "cl100k_base"  # type: ignore[union-attr]


def test_other_providers_get_the_estimate() -> None:
    env = chat("Hello world", "claude-sonnet-4-5")
    count = count_input_tokens(env, "anthropic/claude-sonnet-4-5")
    assert not count.exact and count.tokens == env.tokens
    assert encoding_for("anthropic/claude-sonnet-4-5") is None
    assert encoding_for("acme/gpt-4o") is None


def test_vocabularies_load_offline_into_an_empty_cache(tmp_path: object) -> None:
    code = ("from guard.pricing.tokens import encoding_for; "
            "print(len(encoding_for('openai/gpt-5').encode_ordinary('guard counts tokens')))")
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path), "HTTPS_PROXY": "http://127.0.0.1:9",
           "HTTP_PROXY": "http://127.0.0.1:9"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True, timeout=60)
    assert int(out.stdout) > 0


WORDS = st.sampled_from(["the", "report", "  ", "\n", "42", "1234567", "naïve", "don't", "!",
                         "https://x.io/a?b=1", "日本語", "\t", "    indented", "x" * 40])


@settings(max_examples=60, deadline=None)
@given(words=st.lists(WORDS, min_size=1, max_size=400), size=st.integers(8, 200))
def test_a_long_text_counted_in_pieces_counts_as_a_whole(words: list[str], size: int) -> None:
    # the tokenizer is called piece by piece (the GIL is let go between pieces); the cuts
    # fall where pre-tokenization splits anyway, so the count does not move
    text = " ".join(words)
    parts = pieces(text, size)
    assert "".join(parts) == text
    for name in ("openai/gpt-5", "gpt-4-turbo"):
        encoding = encoding_for(name)
        assert encoding is not None
        if all(_cut_before_a_word(text, cut) for cut in _cuts(parts)):
            assert (sum(len(encoding.encode_ordinary(p)) for p in parts)
                    == len(encoding.encode_ordinary(text)))


def _cuts(parts: list[str]) -> list[int]:
    ends, at = [], 0
    for part in parts[:-1]:
        at += len(part)
        ends.append(at)
    return ends


def _cut_before_a_word(text: str, cut: int) -> bool:
    return text[cut] == " " and not text[cut - 1].isspace()
