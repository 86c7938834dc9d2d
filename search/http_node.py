"""The Elasticsearch client's connections: plain sockets, answers parsed by ``httptools``.

elastic-transport lets a client choose how it talks HTTP to each node (``node_class``); its
default goes through urllib3 and ``http.client``, which parse every answer's headers with the
standard library's e-mail parser.  On the search path that was the largest single cost the
app had: per search, urllib3 took about 0.7 ms of CPU, ``http.client`` alone 0.3 ms and
``httptools`` (llhttp, Node.js's parser, as uvicorn uses it) 0.12 ms for the same request and
the same 70 KB answer (docs/benchmarks.md#search-overhead).  Everything else stays the
client's: retries on another node, marking a node dead, serialisation, errors.

Connections are kept alive and reused, one request at a time each; a connection the node
closed while it was idle is noticed before it is used (it reads as ready with nothing to
say) and replaced, so a kept-alive connection never turns into a failed request.
"""

from __future__ import annotations

import gzip
import select
import socket
import ssl
import threading
import time

import httptools
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

READ_SIZE = 256 * 1024
METHODS_WITH_BODY = frozenset(("POST", "PUT", "PATCH"))


class _Answer:
    """What the parser reads from one answer (its callbacks)."""

    def __init__(self, head_only: bool) -> None:
        self.headers: list[tuple[str, str]] = []
        self.parts: list[bytes] = []
        self.complete = False
        self.head_only = head_only
        self.keep_alive = False
        self.parser = httptools.HttpResponseParser(self)

    def feed(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.decode("latin-1"), value.decode("latin-1")))

    def on_headers_complete(self) -> None:
        # Asked here: once the message is complete the parser has moved on.
        self.keep_alive = self.parser.should_keep_alive()
        if self.head_only:  # an answer to HEAD announces a length but sends no body
            self.complete = True

    def on_body(self, body: bytes) -> None:
        self.parts.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class _Connection:
    """One kept-alive HTTP/1.1 connection to the node."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def exchange(
        self, request: bytes, head_only: bool, timeout: float | None
    ) -> tuple[int, list[tuple[str, str]], bytes, bool]:
        """Send ``request`` and read the answer: status, headers, body, and whether the
        connection can be used again."""
        self.sock.settimeout(timeout)
        self.sock.sendall(request)
        answer = _Answer(head_only)
        while not answer.complete:
            data = self.sock.recv(READ_SIZE)
            if not data:
                raise OSError("the node closed the connection before answering in full")
            answer.feed(data)
        # After HEAD the parser stopped at the headers: a fresh connection is simpler than
        # telling it there is no body.
        keep = answer.keep_alive and not head_only
        return answer.parser.get_status_code(), answer.headers, b"".join(answer.parts), keep

    def still_open(self) -> bool:
        """Whether an idle connection can take a request: an idle socket that reads as ready
        has been closed by the node (or holds stray bytes, as bad)."""
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def close(self) -> None:
        self.sock.close()


class FastHttpNode(BaseNode):
    """One Elasticsearch node over HTTP/1.1 (TLS when https)."""

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
        self._host_header = f"{self.host}:{self.port}"
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()
        self._keep = config.connections_per_node

    def _connect(self, timeout: float | None) -> _Connection:
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self._tls is not None:
            sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        return _Connection(sock)

    def _take(self, timeout: float | None) -> _Connection:
        with self._lock:
            while self._idle:
                connection = self._idle.pop()
                if connection.still_open():
                    return connection
                connection.close()
        return self._connect(timeout)

    def _give_back(self, connection: _Connection) -> None:
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
        request = _request(method, target, self._host_header, request_headers, body)
        started = time.time()
        connection: _Connection | None = None
        try:
            connection = self._take(timeout)
            status, answer_headers, data, keep = connection.exchange(
                request, method == "HEAD", timeout
            )
        except TimeoutError as exc:
            _close(connection)
            raise ConnectionTimeout("Connection timed out during request", errors=(exc,)) from exc
        except ssl.SSLError as exc:
            _close(connection)
            raise TlsError(str(exc), errors=(exc,)) from exc
        except (OSError, httptools.HttpParserError) as exc:
            _close(connection)
            raise ConnectionError(str(exc), errors=(exc,)) from exc
        if keep:
            self._give_back(connection)
        else:
            connection.close()
        response_headers = HttpHeaders(answer_headers)
        if response_headers.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        meta = ApiResponseMeta(
            node=self.config,
            duration=time.time() - started,
            http_version="1.1",
            status=status,
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


def _request(
    method: str, target: str, host: str, headers: HttpHeaders, body: bytes | None
) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None or method in METHODS_WITH_BODY:
        lines.append(f"Content-Length: {len(body or b'')}")
    head = "\r\n".join(lines)
    if head.count("\n") != len(lines) - 1 or head.count("\r") != len(lines) - 1:
        raise ValueError("a header or the target holds a line break")
    return head.encode("latin-1") + b"\r\n\r\n" + (body or b"")


def _close(connection: _Connection | None) -> None:
    if connection is not None:
        connection.close()
