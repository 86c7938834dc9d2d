"""The Elasticsearch client's connections: kept alive, replaced when the node closed them while
idle, answers to HEAD without a body, and failures as the client's retries expect (timeouts,
refusals)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from elastic_transport import ConnectionError, ConnectionTimeout, HttpHeaders, NodeConfig

from search.http_node import FastHttpNode
from tests.es_cluster import free_port


class _Node(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless told otherwise
    connections = 0  # one handler per connection: counted by the tests

    def setup(self) -> None:
        _Node.connections += 1
        super().setup()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/slow":
            time.sleep(1.0)
        answer = b'{"echo": ' + str(len(body)).encode() + b"}"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
        # "/close": the node drops the connection after answering, without saying so, as a
        # node does with a connection idle too long.
        self.close_connection = self.path == "/close"

    def do_HEAD(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "1234")  # what a GET would send; no body follows
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that gave up on the slow answer: nobody to tell


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    _Node.connections = 0
    httpd = _Server(("127.0.0.1", 0), _Node)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _node(port: int, timeout: float = 5.0) -> FastHttpNode:
    return FastHttpNode(
        NodeConfig(scheme="http", host="127.0.0.1", port=port, request_timeout=timeout)
    )


def test_connections_are_kept_alive_and_reused(server: ThreadingHTTPServer) -> None:
    node = _node(server.server_address[1])
    for _ in range(5):
        meta, data = node.perform_request("POST", "/", body=b"12345")
        assert meta.status == 200 and data == b'{"echo": 5}'
    assert _Node.connections == 1
    node.close()


def test_a_connection_the_node_closed_while_idle_is_replaced(server: ThreadingHTTPServer) -> None:
    node = _node(server.server_address[1])
    node.perform_request("POST", "/close", body=b"x")
    time.sleep(0.1)  # the close reaches this side
    meta, _ = node.perform_request("POST", "/", body=b"x")  # not a failed request
    assert meta.status == 200 and _Node.connections == 2
    node.close()


def test_an_answer_to_head_has_no_body_and_the_connection_goes_on(
    server: ThreadingHTTPServer,
) -> None:
    node = _node(server.server_address[1])
    meta, data = node.perform_request("HEAD", "/index")
    assert meta.status == 200 and data == b"" and meta.headers["content-length"] == "1234"
    meta, data = node.perform_request("POST", "/", body=b"123")
    assert data == b'{"echo": 3}'
    node.close()


def test_a_line_break_in_a_header_is_refused(server: ThreadingHTTPServer) -> None:
    node = _node(server.server_address[1])
    with pytest.raises(ValueError, match="line break"):
        node.perform_request("POST", "/", body=b"", headers=HttpHeaders({"x-a": "1\r\nx-b: 2"}))


def test_a_slow_node_times_out_and_a_missing_one_refuses(server: ThreadingHTTPServer) -> None:
    with pytest.raises(ConnectionTimeout):
        _node(server.server_address[1], timeout=0.2).perform_request("POST", "/slow", body=b"")
    with pytest.raises(ConnectionError):
        _node(free_port()).perform_request("POST", "/", body=b"")
