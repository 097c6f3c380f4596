"""Ask an OpenAI-compatible chat endpoint for a verdict: httpx, bounded, strict.

Why a direct httpx call and not through guard: the judge's request never
enters guard's own ASGI stack. Under ``guard serve`` the middleware wraps the
*inbound* app only; this client talks to the configured endpoint (by default
the upstream gateway, which is not guard) over its own connection pool, so a
judge call is never judged again and cannot recurse. (Pointing
``settings.llm.endpoint`` at a guard instance that itself runs this policy
would recurse through the network; don't.)

The endpoint is the only host this client contacts. Each event loop gets its
own ``httpx.AsyncClient`` and semaphore, because both are bound to the loop
they were first used on (the sync API runs a fresh loop per call); in a
server there is one loop, so the limit is per process.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from typing import Any

import httpx

from guard.errors import CheckError
from guard.judge.verdict import RESPONSE_FORMAT, Verdict, parse_verdict

_CLIENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, httpx.AsyncClient]] = (
    weakref.WeakKeyDictionary())
"""One connection pool per (event loop, endpoint), shared by every policy set of the process,
so a reload does not open (and leak) another pool."""


def chat_completions_url(endpoint: str) -> str:
    """``…/chat/completions`` under a base URL given with or without its ``/v1``; a query
    (``?api-version=...``, ``?key=...``) stays a query, after the path."""
    base, mark, query = endpoint.partition("?")
    base = base.rstrip("/")
    if not base.endswith("/chat/completions"):
        last = base.rsplit("/", 1)[-1]
        base += "/chat/completions" if last in ("v1", "openai") else "/v1/chat/completions"
    return base + mark + query


class JudgeClient:
    """Sends judge calls to one endpoint; at most ``max_concurrency`` at once per loop."""

    def __init__(self, endpoint: str, api_key_env: str | None, max_concurrency: int) -> None:
        self.endpoint = endpoint
        self.url = chat_completions_url(endpoint)
        self.api_key_env = api_key_env
        self.max_concurrency = max_concurrency
        self._limits: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary())

    async def judge(self, model: str, system: str, text: str, timeout: float) -> Verdict:
        """The verdict on ``text``; :class:`CheckError` on timeout, HTTP or format errors.

        ``timeout`` (seconds) covers waiting for a free slot as well as the call:
        it bounds what the policy adds to a request, whatever the load.
        """
        body = {
            "model": model,
            "messages": [{"role": "system", "content": system},
                         {"role": "user", "content": text}],
            "response_format": RESPONSE_FORMAT,
        }
        try:
            async with asyncio.timeout(timeout):
                async with self._limit():
                    response = await self._client().post(self.url, json=body,
                                                         headers=self._headers())
        except TimeoutError:
            raise CheckError(f"judge did not answer within {timeout * 1000:.0f} ms") from None
        except httpx.HTTPError as exc:
            raise CheckError(f"judge unreachable ({type(exc).__name__})",
                             public="judge unreachable") from None
        if response.status_code != 200:
            raise CheckError(f"judge answered HTTP {response.status_code}")
        try:
            payload = response.json()
        except ValueError:
            raise CheckError("judge answer is not JSON") from None
        return parse_verdict(payload)

    def _headers(self) -> dict[str, str]:
        if not self.api_key_env:
            return {}
        key = os.environ.get(self.api_key_env)
        if not key:  # read per call: a rotated key is picked up without a reload
            raise CheckError(f"environment variable {self.api_key_env} (the judge's API key) "
                             "is not set")
        return {"authorization": f"Bearer {key}"}

    def _limit(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        limit = self._limits.get(loop)
        if limit is None:
            limit = self._limits[loop] = asyncio.Semaphore(self.max_concurrency)
        return limit

    def _client(self) -> httpx.AsyncClient:
        pools = _CLIENTS.setdefault(asyncio.get_running_loop(), {})
        client = pools.get(self.endpoint)
        if client is None or client.is_closed:
            limits = httpx.Limits(max_connections=max(self.max_concurrency, 1),
                                  max_keepalive_connections=max(self.max_concurrency, 1))
            # no redirects, no proxies from the environment: only the endpoint is contacted
            client = pools[self.endpoint] = httpx.AsyncClient(
                limits=limits, follow_redirects=False, trust_env=False, timeout=None)
        return client

    async def aclose(self) -> None:
        """Close this loop's connection pool to the endpoint (reopened if used again)."""
        pools: dict[str, Any] = _CLIENTS.get(asyncio.get_running_loop(), {})
        client = pools.pop(self.endpoint, None)
        if client is not None:
            await client.aclose()
