"""Cluster and sentinel store URLs: what they name, what they refuse, what errors show."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guard.stores import StoreError, store_from_url
from guard.stores.redis import _budget_keys
from guard.stores.redis_topology import Topology, parse


def test_a_cluster_url_names_its_start_nodes_and_credentials() -> None:
    topology = parse("rediss+cluster://app:p%40ss@10.0.0.1:7000,[::1]:7001?ssl_ca_certs=/ca.pem")
    assert topology == Topology("cluster", (("10.0.0.1", 7000), ("::1", 7001)), True, "app",
                                "p@ss", options={"ssl_ca_certs": "/ca.pem"})
    assert topology.where == "10.0.0.1:7000,::1:7001"


def test_a_sentinel_url_names_the_service_and_database() -> None:
    topology = parse("redis+sentinel://:pw@s1:26379,s2:26379/mymaster/2"
                     "?sentinel_password=spw")
    assert (topology.kind, topology.service, topology.db, topology.password) == (
        "sentinel", "mymaster", 2, "pw")
    assert topology.options == {"sentinel_password": "spw"} and not topology.tls
    assert topology.where == "s1:26379,s2:26379/mymaster"


@pytest.mark.parametrize("url", [
    "redis+cluster://:pw@h:7000/0",  # a cluster has no database number
    "redis+cluster://:pw@h",  # no port
    "redis+cluster://:pw@h:99999",
    "redis+cluster://:pw@h:7000?ssl_ca_cert=/x",  # misspelt: never silently ignored
    "redis+cluster://:pw@h:7000?sentinel_password=x",
    "redis+sentinel://:pw@h:26379",  # no service
    "redis+sentinel://:pw@h:26379/svc/db",
    "redis+sentinel://:pw@h:26379/svc?timeout=0",
])
def test_bad_urls_are_store_errors_without_the_password(url: str) -> None:
    with pytest.raises(StoreError) as caught:
        store_from_url(url)
    assert "pw" not in str(caught.value)


async def test_an_unreachable_cluster_fails_fast_naming_hosts_only() -> None:
    from benchmarks.redis_server import free_port

    port = free_port()
    store = store_from_url(f"redis+cluster://guard:s3cret@127.0.0.1:{port}?")
    with pytest.raises(StoreError, match=f"127.0.0.1:{port}") as caught:
        await store.usage("k", now=0.0)
    assert "s3cret" not in str(caught.value)
    await store.close()


@pytest.mark.parametrize("key", ["a", "", "}", "}x", "{a}", "a}b", "x{y}z"])
def test_the_keys_of_one_budget_share_one_hash_slot(key: str) -> None:
    tags = {_hash_tag(name) for name in _budget_keys(key)}
    assert len(tags) == 1 and tags != {""}


def test_awkward_keys_never_share_a_name_with_plain_ones() -> None:
    names = [_budget_keys(key)[0] for key in ["", "}", "}x", "!", "!{!}", "!{!}}x"]]
    assert len(set(names)) == len(names)


@given(st.text(alphabet="ab{}!:", max_size=8), st.text(alphabet="ab{}!:", max_size=8))
def test_any_key_is_one_slot_and_distinct_keys_are_distinct_names(first: str,
                                                                   second: str) -> None:
    for key in (first, second):
        assert len({_hash_tag(name) for name in _budget_keys(key)}) == 1
        assert _hash_tag(_budget_keys(key)[0]) != ""
    if first != second:
        assert not set(_budget_keys(first)) & set(_budget_keys(second))


def _hash_tag(name: str) -> str:
    """What Redis Cluster hashes: the text between the first '{' and the next '}'."""
    start = name.find("{")
    end = name.find("}", start + 1)
    return name[start + 1:end] if start >= 0 and end > start + 1 else ""
