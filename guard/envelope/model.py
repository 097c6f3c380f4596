"""The data an Envelope is made of.

These are plain frozen records with no behaviour beyond a few derived views:
parsing lives in the per-API modules, editing in :mod:`guard.envelope.edits`.
Keeping the shapes alone lets every check import them without pulling in
parsing code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guard.dialects import Dialect, Endpoint, RequestPath

Pointer = tuple[str | int, ...]
"""A JSON path into the body: dict keys are ``str``, list indexes ``int``."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One string of the request, and exactly where it came from.

    ``pointer`` locates the string in the body. When that string is itself
    JSON (OpenAI tool-call ``arguments``), ``inner`` locates the text inside
    the decoded value, so an edit can be written back without breaking the
    JSON; otherwise ``inner`` is ``None``.
    """

    pointer: Pointer
    inner: Pointer | None
    text: str
    role: str
    kind: str


@dataclass(frozen=True, slots=True)
class Message:
    """One conversation turn as policies see it: a role and all its text."""

    role: str
    text: str


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``segment.text[start:end]`` by ``replacement``."""

    segment: Segment
    start: int
    end: int
    replacement: str


@dataclass(frozen=True)
class Envelope:
    """One normalized view of an LLM request, whatever its API shape.

    ``body`` is the parsed JSON object itself, not a copy: treat it as
    read-only and derive edited bodies with :func:`guard.envelope.apply_edits`.
    ``tokens`` is an estimate (see :mod:`guard.envelope.tokens`). ``path`` is the
    normalized path (what is forwarded); ``endpoint`` says which dialect read the body.
    """

    api: str
    path: str
    method: str
    headers: Mapping[str, str]
    body: Mapping[str, Any]
    model: str | None
    provider: str | None
    qualified_model: str | None
    fallback_models: tuple[str, ...]
    stream: bool
    max_tokens: int | None
    messages: tuple[Message, ...]
    segments: tuple[Segment, ...]
    tags: Mapping[str, Any]
    metadata: Mapping[str, Any]
    tokens: int
    operation: str  # generate | count | embed | moderate | image | speech | batch | other
    choices: int  # answers one call asks for (n, best_of, candidateCount): each may use the cap
    token_ids: int  # input given as token ids, which no segment holds
    other_models: tuple[str, ...]  # models of the other calls in one request (batch entries)
    endpoint: Endpoint
    target: RequestPath | None  # the normalized path and query; None when none was given
    nul_free: bool = False  # known to hold no NUL anywhere: CEL binding skips its walk
    weight: int = 0  # characters plus a share per segment: big ones are worked on off the loop

    @property
    def dialect(self) -> Dialect:
        return self.endpoint.dialect

    @cached_property
    def text(self) -> str:
        """All input text, segments joined by newlines (computed once)."""
        return "\n".join(segment.text for segment in self.segments)
