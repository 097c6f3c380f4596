"""Token counts: tiktoken offline for OpenAI models, the labelled estimate otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

from guard.envelope import Envelope, parse_request
from guard.pricing.tokens import count_input_tokens, encoding_for

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
