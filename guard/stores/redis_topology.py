"""Which Redis a store URL names, and the redis-py client that reaches it.

* ``redis://`` / ``rediss://`` (TLS): one server, ``redis-py``'s own URL syntax.
* ``redis+cluster://[USER:PASS@]HOST:PORT[,HOST:PORT...][?...]`` (``rediss+cluster`` for
  TLS): a Redis Cluster through ``redis.asyncio.RedisCluster``; the listed nodes are only
  where discovery starts.
* ``redis+sentinel://[USER:PASS@]HOST:PORT[,HOST:PORT...]/SERVICE[/DB][?...]``
  (``rediss+sentinel`` for TLS to the primary): the primary that Sentinel names for
  ``SERVICE``, asked again after each connection failure.

Options in the query of the cluster and sentinel forms are a closed list (:data:`OPTIONS`),
so a misspelt TLS option is refused instead of silently connecting without it. No client
retries a command itself (``Retry(NoBackoff(), 0)``): a reserve or hit whose answer was
lost may have run, and a retry would count it twice. A cluster's ``MOVED``/``ASK``
redirections are still followed: a redirected command did not run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from guard.stores.base import StoreError

#: Query options the cluster and sentinel URLs accept, passed on to redis-py as they are.
OPTIONS = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile", "ssl_cert_reqs", "ssl_check_hostname")
#: What only the sentinel URL accepts: the Sentinels' own credentials.
SENTINEL_OPTIONS = ("sentinel_username", "sentinel_password")

SINGLE = ("redis", "rediss")
CLUSTER = ("redis+cluster", "rediss+cluster")
SENTINEL = ("redis+sentinel", "rediss+sentinel")


@dataclass(frozen=True)
class Topology:
    """A parsed cluster or sentinel URL (a single server keeps redis-py's own parsing)."""

    kind: str  # "cluster" or "sentinel"
    nodes: tuple[tuple[str, int], ...]
    tls: bool
    username: str | None = None
    password: str | None = None
    service: str = ""
    db: int = 0
    options: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """What an error names: the hosts (and service), never the credentials."""
        hosts = ",".join(f"{host}:{port}" for host, port in self.nodes)
        return f"{hosts}/{self.service}" if self.kind == "sentinel" else hosts


def parse(url: str) -> Topology:
    """The topology a ``redis[s]+cluster://`` or ``redis[s]+sentinel://`` URL names."""
    scheme, _, rest = url.partition("://")
    scheme = scheme.lower()
    kind = "cluster" if scheme in CLUSTER else "sentinel"
    parts = urlsplit(f"x://{rest}")
    userinfo, _, hosts = parts.netloc.rpartition("@")
    username, _, password = userinfo.partition(":")
    nodes = tuple(_node(text) for text in hosts.split(","))
    allowed = OPTIONS + (SENTINEL_OPTIONS if kind == "sentinel" else ())
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise StoreError(f"{scheme}:// store URL: unknown option {unknown[0]!r}; "
                         f"expected {', '.join(allowed)}")
    service, db = _path(kind, parts.path)
    return Topology(kind, nodes, scheme.startswith("rediss"), unquote(username) or None,
                    unquote(password) or None, service, db, options)


def _node(text: str) -> tuple[str, int]:
    host, _, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise StoreError(f"Redis store URL: expected HOST:PORT, got {text.strip()[:60]!r}")
    return host, int(port)


def _path(kind: str, path: str) -> tuple[str, int]:
    segments = [unquote(s) for s in path.split("/") if s]
    if kind == "cluster":
        if segments:
            raise StoreError("redis+cluster:// store URL: a cluster has no database number "
                             "nor path")
        return "", 0
    if not segments or len(segments) > 2 or (len(segments) == 2 and not segments[1].isdigit()):
        raise StoreError("redis+sentinel:// store URL: expected /SERVICE or /SERVICE/DB after "
                         "the sentinel hosts")
    return segments[0], int(segments[1]) if len(segments) == 2 else 0


def open_client(topology: Topology, timeout: float) -> tuple[Any, list[Any]]:
    """A ``redis.asyncio`` client (cluster, or the primary Sentinel names) of ``topology``,
    and the other clients it opened (the Sentinels'), to close with it."""
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    common: dict[str, Any] = {
        "username": topology.username, "password": topology.password,
        "socket_timeout": timeout, "socket_connect_timeout": timeout,
        "retry": Retry(NoBackoff(), 0), "decode_responses": True, **_tls(topology)}
    if topology.kind == "cluster":
        from redis.asyncio.cluster import ClusterNode, RedisCluster

        return RedisCluster(startup_nodes=[ClusterNode(h, p) for h, p in topology.nodes],
                            **common), []
    from redis.asyncio.sentinel import Sentinel

    sentinel_kwargs = {"socket_timeout": timeout, "socket_connect_timeout": timeout,
                       "username": topology.options.get("sentinel_username"),
                       "password": topology.options.get("sentinel_password")}
    sentinel = Sentinel(list(topology.nodes), sentinel_kwargs=sentinel_kwargs)
    return sentinel.master_for(topology.service, db=topology.db, **common), sentinel.sentinels


def _tls(topology: Topology) -> dict[str, Any]:
    if not topology.tls:
        return {}
    options: dict[str, Any] = {"ssl": True}
    for name in OPTIONS:
        if name in topology.options:
            value = topology.options[name]
            options[name] = (value.lower() in ("1", "true", "yes")
                             if name == "ssl_check_hostname" else value)
    return options
