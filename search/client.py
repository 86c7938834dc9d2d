"""A configured Elasticsearch client: API key or user/password, and a CA certificate for TLS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch.serializer import OrjsonSerializer


@dataclass(frozen=True)
class SearchConfig:
    url: str
    api_key: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    ca_certs: str = ""
    index_prefix: str = "catalogue"
    request_timeout: float = 10.0


class SearchEngine:
    def __init__(self, config: SearchConfig) -> None:
        self.config = config
        # orjson parses and writes the engine's (large) JSON answers several times faster.
        options: dict[str, Any] = {
            "request_timeout": config.request_timeout,
            "serializer": OrjsonSerializer(),
        }
        if config.api_key:
            options["api_key"] = config.api_key
        elif config.username:
            options["basic_auth"] = (config.username, config.password)
        if config.ca_certs:
            options["ca_certs"] = config.ca_certs
        self.client = Elasticsearch(config.url, **options)

    def ping(self) -> tuple[bool, str]:
        """Whether the cluster answers, and its health colour or the reason it does not."""
        try:
            health = self.client.options(request_timeout=2).cluster.health()
        except (ApiError, TransportError) as exc:
            return False, type(exc).__name__
        return True, str(health["status"])

    def close(self) -> None:
        self.client.close()
