"""One normalized view of any LLM request: the Envelope.

``parse_request`` reads a request body of any supported API shape (its dialect, see
:mod:`guard.dialects`) into an :class:`Envelope` that lists every text segment with a
pointer back into the JSON, so a check can scan text without knowing the API and an edit
lands exactly where the text came from (``apply_edits``).

Names are imported on first use: the dialects build on this package's leaf modules
(``walk``, ``model``, ``strict``) while ``parse`` builds on the dialects.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from guard.dialects.models import qualify_model as qualify_model
    from guard.envelope.cel import to_cel as to_cel
    from guard.envelope.edits import apply_edits as apply_edits
    from guard.envelope.edits import resolve as resolve
    from guard.envelope.edits import set_value as set_value
    from guard.envelope.edits import splice as splice
    from guard.envelope.model import Edit as Edit
    from guard.envelope.model import Envelope as Envelope
    from guard.envelope.model import Message as Message
    from guard.envelope.model import Pointer as Pointer
    from guard.envelope.model import Segment as Segment
    from guard.envelope.parse import decode_body as decode_body
    from guard.envelope.parse import parse_request as parse_request
    from guard.envelope.parse import read_envelope as read_envelope
    from guard.envelope.parse import with_models as with_models
    from guard.envelope.response import ResponseEnvelope as ResponseEnvelope
    from guard.envelope.response import parse_response as parse_response
    from guard.envelope.tokens import estimate_tokens as estimate_tokens

_HOMES = {
    "qualify_model": "guard.dialects.models",
    "to_cel": "guard.envelope.cel",
    "apply_edits": "guard.envelope.edits", "resolve": "guard.envelope.edits",
    "set_value": "guard.envelope.edits", "splice": "guard.envelope.edits",
    "Edit": "guard.envelope.model", "Envelope": "guard.envelope.model",
    "Message": "guard.envelope.model", "Pointer": "guard.envelope.model",
    "Segment": "guard.envelope.model",
    "decode_body": "guard.envelope.parse", "parse_request": "guard.envelope.parse",
    "read_envelope": "guard.envelope.parse", "with_models": "guard.envelope.parse",
    "ResponseEnvelope": "guard.envelope.response", "parse_response": "guard.envelope.response",
    "estimate_tokens": "guard.envelope.tokens",
}  # fmt: skip

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'guard.envelope' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
