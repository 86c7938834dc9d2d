"""The Elasticsearch client's http.client connections: kept alive, replaced when the node
closed them while idle, and failing as the client's retries expect (timeouts, refusals)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from elastic_transport import ConnectionError, ConnectionTimeout, NodeConfig

from search.http_node import StdlibHttpNode
from tests.es_cluster import free_port


class _Node(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless told otherwise
    connections: set[int] = set()  # noqa: RUF012  (shared on purpose: counted by the test)

    def do_POST(self) -> None:  # noqa: N802  (http.server's naming)
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/slow":
            time.sleep(1.0)
        _Node.connections.add(id(self.connection))
        answer = b'{"echo": ' + str(len(body)).encode() + b"}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        # "/close": the node drops the connection after answering, without saying so, as a
        # node does with a connection idle too long.
        self.close_connection = self.path == "/close"

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    _Node.connections = set()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Node)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _node(port: int, timeout: float = 5.0) -> StdlibHttpNode:
    return StdlibHttpNode(
        NodeConfig(scheme="http", host="127.0.0.1", port=port, request_timeout=timeout)
    )


def test_connections_are_kept_alive_and_reused(server: ThreadingHTTPServer) -> None:
    node = _node(server.server_address[1])
    for _ in range(5):
        meta, data = node.perform_request("POST", "/", body=b"12345")
        assert meta.status == 200 and data == b'{"echo": 5}'
    assert len(_Node.connections) == 1
    node.close()


def test_a_connection_the_node_closed_while_idle_is_replaced(server: ThreadingHTTPServer) -> None:
    node = _node(server.server_address[1])
    node.perform_request("POST", "/close", body=b"x")
    time.sleep(0.1)  # the close reaches this side
    meta, _ = node.perform_request("POST", "/", body=b"x")  # not a failed request
    assert meta.status == 200 and len(_Node.connections) == 2
    node.close()


def test_a_slow_node_times_out_and_a_missing_one_refuses(server: ThreadingHTTPServer) -> None:
    with pytest.raises(ConnectionTimeout):
        _node(server.server_address[1], timeout=0.2).perform_request("POST", "/slow", body=b"")
    with pytest.raises(ConnectionError):
        _node(free_port()).perform_request("POST", "/", body=b"")
