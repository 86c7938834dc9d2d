"""``/api/health`` tells the truth about the database and the search engine."""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from catalogue.app import create_app
from tests.conftest import service_url
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


def test_embedded_search_reports_its_real_status(pg_url: str) -> None:
    app = create_app(make_settings(pg_url))  # no Elasticsearch URL: the embedded backend

    response = app.test_client().get("/api/health")

    assert response.json["status"] == "ok"
    assert response.json["search"]["status"] == "ok"
    assert response.json["search"]["detail"].startswith("embedded (SQLite FTS5), ")


def test_database_down_answers_503_with_a_clear_message(pg_url: str) -> None:
    port = _closed_port()
    app = create_app(make_settings(f"postgresql+psycopg://postgres@127.0.0.1:{port}/nothing"))
    client = app.test_client()

    health = client.get("/api/health")
    assert health.status_code == 503
    assert health.json["database"]["status"] == "unavailable"

    record = client.get("/api/datasets/abcde-fghjk")
    assert record.status_code == 503
    assert record.json["message"] == "The database is unavailable; try again shortly."
    assert record.headers["Retry-After"]
    assert "psycopg" not in record.get_data(as_text=True)


def test_pool_recovers_when_the_database_drops_every_connection(
    client: FlaskClient, pg_url: str
) -> None:
    assert client.get("/api/datasets").status_code == 200  # the pool now holds a connection
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        killed = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar()
    admin.dispose()
    assert killed and killed >= 1

    assert client.get("/api/datasets").status_code == 200


def _pg_ctl(*args: str) -> None:
    runas = os.environ.get("CATALOGUE_TEST_PG_RUNAS", "")
    prefix = ["runuser", "-u", runas, "--"] if runas else []
    pg_ctl = str(Path(service_url("CATALOGUE_TEST_PG_BIN")) / "pg_ctl")
    subprocess.run([*prefix, pg_ctl, *args], check=True, capture_output=True, timeout=60)


def test_database_restart_gives_503_then_recovers_on_its_own(client: FlaskClient) -> None:
    data_dir = service_url("CATALOGUE_TEST_PG_DATA")
    # The server's own record of how it was started, to start it the same way again.
    recorded = shlex.split((Path(data_dir) / "postmaster.opts").read_text())[1:]
    assert client.get("/api/datasets").status_code == 200

    _pg_ctl("-D", data_dir, "-m", "fast", "-w", "stop")
    try:
        down = client.get("/api/datasets/abcde-fghjk")
        assert down.status_code == 503
        assert down.json["message"] == "The database is unavailable; try again shortly."
    finally:
        _pg_ctl(
            "-D",
            data_dir,
            "-w",
            "-l",
            str(Path(data_dir).parent / "pg.log"),
            "-o",
            shlex.join(recorded),
            "start",
        )

    assert client.get("/api/datasets/abcde-fghjk").status_code == 404  # answered by the database
    assert client.get("/api/health").json["database"]["status"] == "ok"


def test_liveness_needs_nothing_and_readiness_needs_the_database(pg_url: str) -> None:
    down = create_app(
        make_settings(f"postgresql+psycopg://postgres@127.0.0.1:{_closed_port()}/nothing")
    ).test_client()
    up = create_app(
        make_settings(pg_url, elasticsearch_url=f"http://127.0.0.1:{_closed_port()}")
    ).test_client()

    assert down.get("/livez").json == {"status": "live"}
    not_ready = down.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.json["status"] == "not ready"
    assert not_ready.json["database"]["status"] == "unavailable"
    ready = up.get("/readyz")  # the search engine away does not take the app out of service
    assert ready.status_code == 200 and ready.json["search"]["status"] == "unavailable"


def test_probes_are_never_rate_limited(pg_url: str) -> None:
    client = create_app(make_settings(pg_url, anonymous_rate_limit="2 per minute")).test_client()

    answers = [client.get(path).status_code for path in ("/livez", "/readyz") * 5]

    assert answers == [200] * 10
    assert [client.get("/api/health").status_code for _ in range(3)][-1] == 429
