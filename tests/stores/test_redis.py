"""What only the Redis store has: a network between it and its state."""

from __future__ import annotations

import socket
import time

import pytest

from benchmarks.redis_server import free_port
from guard.stores import StoreError, store_from_url
from guard.stores.redis import client_options

NOW = 1_700_000_000.0


async def test_unreachable_redis_fails_fast_without_credentials() -> None:
    port = free_port()  # nothing listens there
    store = store_from_url(f"redis://guard:s3cret@127.0.0.1:{port}/0")
    started = time.monotonic()
    with pytest.raises(StoreError, match=f"127.0.0.1:{port}") as caught:
        await store.usage("k", now=NOW)
    assert time.monotonic() - started < 1.0
    assert "s3cret" not in str(caught.value)
    await store.close()


async def test_a_silent_redis_times_out_as_url_says() -> None:
    with socket.socket() as listener:  # accepts connections (backlog), never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        store = store_from_url(f"redis://127.0.0.1:{port}/0?timeout=0.2")
        started = time.monotonic()
        with pytest.raises(StoreError, match=f"127.0.0.1:{port}.*Timeout"):
            await store.hit("k", 1, 1, now=NOW, window=1, sliding=False)
        assert 0.15 < time.monotonic() - started < 1.0
        await store.close()


def test_the_timeout_is_taken_out_of_the_url() -> None:
    url, timeout = client_options("redis://h:1/2?timeout=0.25&health_check_interval=3")
    assert (url, timeout) == ("redis://h:1/2?health_check_interval=3", 0.25)
    assert client_options("rediss://h:1/0")[1] == 0.5
    with pytest.raises(StoreError, match="timeout"):
        client_options("redis://h:1/0?timeout=soon")


@pytest.mark.parametrize("url", ["redis://guard:pw@h:port/0", "redis://h:1/0?timeout=inf"])
def test_a_bad_redis_url_is_a_store_error(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        store_from_url(url)
    assert "pw" not in str(caught.value)
