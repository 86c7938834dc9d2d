"""The Elasticsearch client's connections, over the standard library's ``http.client``.

elastic-transport lets a client choose how it talks HTTP to each node (``node_class``); its
default goes through urllib3, whose request and response objects cost, per search, about
0.3 ms of CPU more than ``http.client`` itself for the same request and the same 70 KB
answer (measured: ``python -m bench.search_profile``).  On the search path that is a tenth of
what the app spends.  Everything else stays the client's: retries on another node, marking
a node dead, serialisation, errors.

Connections are kept alive and reused, one request at a time each; a connection the node
closed while it was idle is noticed before it is used (it reads as ready with nothing to
say) and replaced, so a kept-alive connection never turns into a failed request.
"""

from __future__ import annotations

import gzip
import http.client
import select
import ssl
import threading
import time

from elastic_transport import (
    ApiResponseMeta,
    BaseNode,
    ConnectionError,
    ConnectionTimeout,
    HttpHeaders,
    NodeConfig,
    TlsError,
)
from elastic_transport._node._base import NodeApiResponse, ssl_context_from_node_config
from elastic_transport.client_utils import DEFAULT, DefaultType


class StdlibHttpNode(BaseNode):
    """One Elasticsearch node, reached with ``http.client`` (HTTP/1.1, TLS when https)."""

    def __init__(self, config: NodeConfig) -> None:
        super().__init__(config)
        self._tls: ssl.SSLContext | None = None
        if config.scheme == "https":
            # The system's certificates, or the CA the configuration names.
            self._tls = ssl_context_from_node_config(config)
            if config.ssl_context is None and config.ca_certs and config.verify_certs:
                self._tls.load_verify_locations(config.ca_certs)
            if config.client_cert:
                self._tls.load_cert_chain(config.client_cert, config.client_key)
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._keep = config.connections_per_node

    def _connect(self, timeout: float | None) -> http.client.HTTPConnection:
        if self._tls is not None:
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=timeout, context=self._tls
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def _take(self, timeout: float | None) -> http.client.HTTPConnection:
        with self._lock:
            while self._idle:
                connection = self._idle.pop()
                if _still_open(connection):
                    if connection.sock is not None:
                        connection.sock.settimeout(timeout)
                    connection.timeout = timeout
                    return connection
                connection.close()
        return self._connect(timeout)

    def _give_back(self, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            if len(self._idle) < self._keep:
                self._idle.append(connection)
                return
        connection.close()

    def perform_request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        request_timeout: DefaultType | float | None = DEFAULT,
    ) -> NodeApiResponse:
        if self.path_prefix:
            target = f"{self.path_prefix}{target}"
        timeout = (
            self.config.request_timeout
            if isinstance(request_timeout, DefaultType)
            else request_timeout
        )
        request_headers = self._headers.copy()
        if headers:
            request_headers.update(headers)
        if body and self._http_compress:
            body = gzip.compress(body)
            request_headers["content-encoding"] = "gzip"
        started = time.time()
        connection = self._take(timeout)
        try:
            connection.request(method, target, body=body, headers=dict(request_headers))
            response = connection.getresponse()
            data = response.read()
        except TimeoutError as exc:
            connection.close()
            raise ConnectionTimeout("Connection timed out during request", errors=(exc,)) from exc
        except ssl.SSLError as exc:
            connection.close()
            raise TlsError(str(exc), errors=(exc,)) from exc
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            raise ConnectionError(str(exc), errors=(exc,)) from exc
        if response.will_close:
            connection.close()
        else:
            self._give_back(connection)
        response_headers = HttpHeaders(response.getheaders())
        if response_headers.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        meta = ApiResponseMeta(
            node=self.config,
            duration=time.time() - started,
            http_version="1.1",
            status=response.status,
            headers=response_headers,
        )
        self._log_request(
            method=method,
            target=target,
            headers=request_headers,
            body=body,
            meta=meta,
            response=data,
        )
        return NodeApiResponse(meta, data)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle kept-alive connection can take a request: an idle socket that reads
    as ready has been closed by the node (or holds stray bytes, as bad)."""
    sock = connection.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable
