"""How a configured URL is shown: where it points, never what it carries.

The upstream, a judge endpoint or a store URL may carry credentials in two places:
``user:password@`` and the query string (``?key=...``, ``?api-version=...&sig=...``,
Redis's ``?password=``). Log lines, the start-up line and error bodies show
``scheme://host:port/path`` only, whatever the URL holds.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

NOT_A_URL = "(not a URL)"


def shown_url(url: str) -> str:
    """``url`` without userinfo, query or fragment; :data:`NOT_A_URL` when it names no host
    (then it may be anything: a key pasted into the wrong option, say)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # an unbalanced "[" in the host
        return NOT_A_URL
    host = parts.netloc.rpartition("@")[2]
    if not parts.scheme or not host:
        return NOT_A_URL
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
