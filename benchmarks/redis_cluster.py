"""A throwaway Redis Cluster on loopback: 3 primaries, 3 replicas, from ``redis-server``.

For the store tests (contract, many processes, failover) and the store benchmark. Each node
is a ``redis-server --cluster-enabled yes`` on a free 127.0.0.1 port in its own directory,
keeping nothing on disk but its ``nodes.conf``; ``redis-cli --cluster create`` assigns the
slots. ``cluster-node-timeout`` is short (1 s) so that a failover test waits seconds, not
the default 15. Nodes are stopped by their own process handles, never by name.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.redis_server import _wait_ready, free_port

INSTALL_HINT = ("redis-server and redis-cli not found; install them (apt-get install "
                "redis-server) to run the Redis Cluster cases")
NODE_TIMEOUT_MS = 1000


def available() -> bool:
    return shutil.which("redis-server") is not None and shutil.which("redis-cli") is not None


@dataclass
class Node:
    port: int
    bus: int  # the cluster bus port, chosen too: the default PORT + 10000 may exceed 65535
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start (or restart, with its ``nodes.conf``: it rejoins as it left) this node."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--cluster-enabled", "yes", "--cluster-port", str(self.bus),
             "--cluster-config-file", "nodes.conf", "--repl-diskless-sync-delay", "0",
             "--cluster-node-timeout", str(NODE_TIMEOUT_MS), "--save", "",
             "--appendonly", "no", "--dir", str(self.directory), "--logfile", "redis.log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_ready(self.port, self.process)

    def stop(self, kill: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@dataclass
class Cluster:
    nodes: list[Node] = field(default_factory=list)

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in self.nodes[:3])

    def cli(self, port: int, *args: str) -> str:
        return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                              text=True, timeout=30, check=True).stdout

    def primary_of(self, key: str) -> Node:
        """The node serving ``key``'s slot now."""
        live = next(n for n in self.nodes if n.process is not None)
        slot = int(self.cli(live.port, "cluster", "keyslot", key))
        for line in self.cli(live.port, "cluster", "nodes").splitlines():
            fields = line.split()
            if "master" in fields[2] and "fail" not in fields[2]:
                for span in fields[8:]:
                    low, _, high = span.partition("-")
                    if low.isdigit() and int(low) <= slot <= int(high or low):
                        port = int(fields[1].split("@")[0].rpartition(":")[2])
                        return next(n for n in self.nodes if n.port == port)
        raise RuntimeError(f"no primary serves slot {slot}")

    def wait_ok(self, deadline: float = 30.0) -> None:
        """Until every live node says ``cluster_state:ok`` with every slot served, and every
        replica has synced with its primary (one that never did may not take over)."""
        start = time.monotonic()
        while time.monotonic() - start < deadline:
            live = [n for n in self.nodes if n.process]
            states = [self.cli(n.port, "cluster", "info") for n in live]
            links = [self.cli(n.port, "info", "replication") for n in live]
            if (all("cluster_state:ok" in s and "cluster_slots_ok:16384" in s for s in states)
                    and all("role:master" in r or "master_link_status:up" in r
                            for r in links)):
                return
            time.sleep(0.1)
        raise RuntimeError(f"the Redis Cluster was not ok within {deadline} s")


@contextmanager
def redis_cluster(directory: Path) -> Iterator[Cluster]:
    """Start six nodes in ``directory``, make them one cluster, yield it; stop them on exit."""
    cluster = Cluster()
    try:
        for i in range(6):
            node = Node(free_port(), free_port(), directory / f"node{i}")
            node.directory.mkdir(parents=True, exist_ok=True)
            cluster.nodes.append(node)
            node.start()
        subprocess.run(["redis-cli", "--cluster", "create",
                        *(f"127.0.0.1:{n.port}" for n in cluster.nodes),
                        "--cluster-replicas", "1", "--cluster-yes"],
                       capture_output=True, text=True, timeout=60, check=True)
        cluster.wait_ok()
        yield cluster
    finally:
        for node in cluster.nodes:
            node.stop()
