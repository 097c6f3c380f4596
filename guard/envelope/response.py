"""The response side: one normalized view of a (non-streamed) LLM answer.

Output policies scan and edit the answer the way input policies treat the request: every
text segment with a pointer back into the JSON, so a redaction or a pseudonym restore lands
exactly where the text came from. Which fields are text is the request's dialect's business
(``Dialect.read_answer``); ``view`` gives the ``response`` CEL variable, the same for every API.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from guard.envelope.model import Segment
from guard.envelope.walk import Collector

if TYPE_CHECKING:
    from guard.dialects import Dialect


@dataclass(frozen=True)
class ResponseEnvelope:
    """An answer's text segments, usage and finish reason."""

    body: Any
    segments: tuple[Segment, ...]
    usage: dict[str, Any]
    finish_reason: str | None
    status: int
    dialect: Dialect

    @cached_property
    def text(self) -> str:
        return "\n".join(segment.text for segment in self.segments)

    def view(self) -> dict[str, Any]:
        """The ``response`` CEL variable."""
        return {"text": self.text, "usage": dict(self.usage),
                "finish_reason": self.finish_reason, "status": self.status}


def parse_response(body: Any, status: int = 200, dialect: Dialect | str | None = None
                   ) -> ResponseEnvelope:
    """Read an answer in ``dialect``'s shape (a dialect or its ``request.api`` name).

    Without one, the shape is told by the body's own keys, as an OpenAI chat or Responses,
    Anthropic or Opper answer would be; text is always read whole, never dropped.
    """
    from guard.dialects import dialect as named

    if dialect is None or isinstance(dialect, str):
        dialect = named(dialect or _shape(body))
    c = Collector()
    answer = dialect.read_answer(c, body)
    return ResponseEnvelope(body, tuple(c.segments), answer.usage, answer.finish_reason,
                            status, dialect)


def _shape(body: Any) -> str:
    if not isinstance(body, dict):
        return "unknown"
    if "choices" in body:
        return "openai.chat"
    if isinstance(body.get("output"), list):
        return "openai.responses"
    if isinstance(body.get("content"), list):
        return "anthropic.messages"
    if isinstance(body.get("candidates"), list):
        return "gemini.generate"
    if "message" in body or "json_payload" in body or ("data" in body and "meta" in body):
        return "opper.call"
    return "unknown"
