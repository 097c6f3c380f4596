"""One normalized view of any LLM request: the Envelope.

``parse_request`` reads a request body of any supported API shape (OpenAI
chat, responses, embeddings, completions; Anthropic messages; Opper call) into
an :class:`Envelope` that lists every text segment with a pointer back into
the JSON, so a check can scan text without knowing the API and an edit lands
exactly where the text came from (``apply_edits``).
"""

from guard.envelope.cel import to_cel
from guard.envelope.detect import api_for_body, api_for_path, default_path, detect_api
from guard.envelope.edits import apply_edits, resolve, set_value, splice
from guard.envelope.model import APIS, Edit, Envelope, Message, Pointer, Segment
from guard.envelope.models import qualify_model
from guard.envelope.parse import decode_body, parse_request, with_models
from guard.envelope.response import ResponseEnvelope, parse_response
from guard.envelope.tokens import estimate_tokens

__all__ = [
    "APIS",
    "Edit",
    "Envelope",
    "Message",
    "Pointer",
    "ResponseEnvelope",
    "Segment",
    "api_for_body",
    "api_for_path",
    "apply_edits",
    "decode_body",
    "default_path",
    "detect_api",
    "estimate_tokens",
    "parse_request",
    "parse_response",
    "qualify_model",
    "resolve",
    "set_value",
    "splice",
    "to_cel",
    "with_models",
]
