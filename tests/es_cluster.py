"""A three-node Elasticsearch cluster from the test distribution ``scripts/services.sh``
unpacked: each node with its own data path, ports and name, small heaps, and the power to
stop one (SIGTERM, a real node loss) and start it again on the same data."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

HEAP = "256m"


def free_port() -> int:
    """A TCP port nothing listens on (for a server about to start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Node:
    name: str
    http_port: int
    transport_port: int
    home: Path  # data, logs, temporary files, its pid file
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"


@dataclass
class Cluster:
    es_home: str
    java_home: str
    runas: str = ""  # the unprivileged user the nodes run as, when the tests run as root
    size: int = 3
    heap: str = HEAP  # each node's
    nodes: list[Node] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.name = f"catalogue-test-{uuid.uuid4().hex[:8]}"
        self.base = Path(tempfile.mkdtemp(prefix="catalogue-cluster-"))
        self.base.chmod(0o755)
        for number in range(self.size):
            home = self.base / f"node-{number}"
            for part in ("data", "logs", "tmp"):
                (home / part).mkdir(parents=True)
            if self.runas:
                shutil.chown(home, self.runas)
                for part in home.iterdir():
                    shutil.chown(part, self.runas)
            self.nodes.append(Node(f"node-{number}", free_port(), free_port(), home))

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def start(self, node: Node) -> None:
        seeds = ",".join(f"127.0.0.1:{n.transport_port}" for n in self.nodes)
        masters = ",".join(n.name for n in self.nodes)
        command = [
            f"{self.es_home}/bin/elasticsearch",
            "-p", str(node.home / "pid"),
            "-E", f"cluster.name={self.name}", "-E", f"node.name={node.name}",
            "-E", "network.host=127.0.0.1",
            "-E", f"http.port={node.http_port}", "-E", f"transport.port={node.transport_port}",
            "-E", f"discovery.seed_hosts={seeds}", "-E", f"cluster.initial_master_nodes={masters}",
            "-E", f"path.data={node.home / 'data'}", "-E", f"path.logs={node.home / 'logs'}",
            "-E", "xpack.security.enabled=false",
            "-E", "cluster.routing.allocation.disk.threshold_enabled=false",
        ]  # fmt: skip
        prefix = ["runuser", "-u", self.runas, "--"] if self.runas else []
        environment = {
            **os.environ,
            "ES_JAVA_HOME": self.java_home,
            "ES_TMPDIR": str(node.home / "tmp"),
            "ES_JAVA_OPTS": f"-Xms{self.heap} -Xmx{self.heap}",
        }
        # Passed through env(1): runuser starts the node with a fresh environment.
        given = [f"{key}={value}" for key, value in environment.items() if key.startswith("ES_")]
        with (node.home / "out.log").open("ab") as out:
            node.process = subprocess.Popen(
                [*prefix, "env", *given, *command],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=environment,
            )

    def start_all(self) -> None:
        for node in self.nodes:
            self.start(node)
        self.wait_for("green", self.size)

    def stop(self, node: Node) -> None:
        """SIGTERM to the node's JVM, as an operator or the kernel would; wait until it is gone."""
        pid = int((node.home / "pid").read_text().strip())
        os.kill(pid, signal.SIGTERM)
        if node.process is not None:
            node.process.wait(timeout=60)
        # Stopped on purpose: not a node that died (wait_for raises for those).
        node.process = None
        (node.home / "pid").unlink(missing_ok=True)

    def running(self) -> list[Node]:
        return [n for n in self.nodes if n.process is not None and n.process.poll() is None]

    def health(self, timeout: float = 2.0) -> dict[str, object]:
        """The cluster's health from the first node that answers."""
        for node in self.running():
            try:
                answer = requests.get(f"{node.url}/_cluster/health", timeout=timeout)
                found: dict[str, object] = answer.json()
                return found
            except (requests.RequestException, ValueError):
                continue
        return {}

    def wait_for(self, status: str, nodes: int, seconds: float = 180) -> dict[str, object]:
        order = ["red", "yellow", "green"]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            health = self.health()
            colour = str(health.get("status", "red"))
            if health.get("number_of_nodes") == nodes and order.index(colour) >= order.index(
                status
            ):
                return health
            for node in self.nodes:
                if node.process is not None and node.process.poll() is not None:
                    raise RuntimeError(f"{node.name} died: {self.tail(node)}")
            time.sleep(0.5)
        raise TimeoutError(f"no {status} cluster of {nodes} nodes: {self.health()}")

    def tail(self, node: Node, lines: int = 20) -> str:
        text = (node.home / "out.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def shutdown(self) -> None:
        for node in self.running():
            try:
                self.stop(node)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                node.process.kill()  # type: ignore[union-attr]
        shutil.rmtree(self.base, ignore_errors=True)
