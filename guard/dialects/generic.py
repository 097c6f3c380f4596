"""The generic view: a JSON body of no known API, read whole.

Every string leaf is text for the content, PII and llm policies, each with its JSON
pointer, so an unknown or future endpoint is still redacted or blocked; a top-level
``model`` (and the fallback fields) still meet route policies and budgets. What
``settings.unknown_api`` does with such a request (``scan``, ``block``, ``allow``) is the
library's business; this module only reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.dialects.base import Dialect, Endpoint
from guard.dialects.models import read_models


class Generic(Dialect):
    """Any JSON body: every string leaf is text (the base class's reading)."""

    name = "unknown"

    def operation(self, body: Mapping[str, Any], endpoint: Endpoint) -> str:
        """A body naming a model is taken for a model call (routes and budgets apply); else
        the path's operation (``other``; ``fetch`` for a request without a body)."""
        return "generate" if read_models(body)[0] is not None else endpoint.operation
