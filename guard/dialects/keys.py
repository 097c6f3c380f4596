"""The caller's API key, wherever its SDK put it.

OpenAI's SDK sends ``Authorization: Bearer KEY``, Anthropic's ``x-api-key`` (newer releases
a bearer token too), Google's ``x-goog-api-key`` (REST callers ``?key=KEY``), Azure's
``api-key``, Opper's older clients ``x-opper-api-key``. ``request.api_key`` is the first of
these present, so one identity expression serves every SDK.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

KEY_HEADERS = ("authorization", "x-api-key", "x-goog-api-key", "api-key", "x-opper-api-key")


def api_key(headers: Mapping[str, str], query: str = "") -> str | None:
    """The key from the first credential header (``Bearer`` stripped), else ``?key=``."""
    for name in KEY_HEADERS:
        value = headers.get(name)
        if value:
            scheme, _, token = value.partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else value
    if "key=" in query:
        for name, value in parse_qsl(query, keep_blank_values=False):
            if name == "key" and value:
                return value
    return None
