"""``/api/health`` tells the truth about the database and the search engine."""

from __future__ import annotations

import socket

from flask.testing import FlaskClient

from catalogue import create_app
from tests.integration.conftest import make_settings


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_healthy_with_both_services(client: FlaskClient) -> None:
    response = client.get("/api/health")

    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"]["status"] == "ok"
    assert response.json["search"]["status"] == "ok"
    assert response.json["search"]["detail"] in {"green", "yellow"}


def test_search_engine_down_is_degraded_not_down(pg_url: str) -> None:
    app = create_app(make_settings(pg_url, elasticsearch_url=f"http://127.0.0.1:{_closed_port()}"))

    response = app.test_client().get("/api/health")

    assert response.status_code == 200
    assert response.json["status"] == "degraded"
    assert response.json["search"]["status"] == "unavailable"


def test_database_down_answers_503_with_a_clear_message(pg_url: str) -> None:
    port = _closed_port()
    app = create_app(make_settings(f"postgresql+psycopg://postgres@127.0.0.1:{port}/nothing"))
    client = app.test_client()

    health = client.get("/api/health")
    assert health.status_code == 503
    assert health.json["database"]["status"] == "unavailable"

    listing = client.get("/api/datasets")
    assert listing.status_code == 503
    assert listing.json["message"] == "The database is unavailable; try again shortly."
    assert listing.headers["Retry-After"]
    assert "psycopg" not in listing.get_data(as_text=True)
