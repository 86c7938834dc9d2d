"""The ``catalogue`` command on a fresh embedded (SQLite) database, as a newcomer runs it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from catalogue.app import create_app
from catalogue.cli import main
from catalogue.config import Settings
from catalogue.models import Dataset, Publication, Record

MIGRATIONS = Path(__file__).parents[2] / "migrations" / "versions"


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CATALOGUE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("CATALOGUE_DATABASE_URL", raising=False)
    return tmp_path / "var"


def test_db_upgrade_builds_an_empty_catalogue(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["db", "upgrade"])

    assert result.exit_code == 0, result.output
    assert "17 themes" in result.output
    assert (data_dir / "catalogue.sqlite").exists()
    current = CliRunner().invoke(main, ["db", "current"])
    newest = max(path.stem.split("_")[0] for path in MIGRATIONS.glob("0*.py"))
    assert current.output.strip() == newest


def _titles(data_dir: Path) -> list[str]:
    app = create_app(Settings(data_dir=str(data_dir)))
    with app.extensions["catalogue"].db.reader() as session:
        return list(session.scalars(select(Record.title).order_by(Record.title)))


def test_demo_loads_the_same_catalogue_for_the_same_seed(data_dir: Path) -> None:
    args = ["demo", "--datasets", "30", "--publications", "40", "--no-serve", "--seed", "7"]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    titles = _titles(data_dir)

    again = CliRunner().invoke(main, [*args, "--reset"])
    assert again.exit_code == 0, again.output
    assert "Registering demo records" in again.output
    assert _titles(data_dir) == titles

    app = create_app(Settings(data_dir=str(data_dir)))
    client = app.test_client()
    with app.extensions["catalogue"].db.reader() as session:
        datasets = session.scalar(select(func.count()).select_from(Dataset)) or 0
        publications = session.scalar(select(func.count()).select_from(Publication)) or 0
    # New versions add rows beyond the requested counts.
    assert datasets >= 30 and publications >= 40
    listing = client.get("/api/publications?size=100").json
    assert 0 < listing["total"] <= publications
    assert {hit["status"] for hit in listing["hits"]} == {"published"}


def test_demo_serves_existing_data_without_generating_it_again(data_dir: Path) -> None:
    args = ["demo", "--datasets", "10", "--publications", "10", "--no-serve"]
    assert CliRunner().invoke(main, args).exit_code == 0
    titles = _titles(data_dir)

    again = CliRunner().invoke(main, ["demo", "--no-serve", "--seed", "99"])

    assert again.exit_code == 0, again.output
    assert "Registering demo records" not in again.output
    assert "--reset" in again.output  # says how to start over
    assert _titles(data_dir) == titles


def test_demo_on_a_busy_port_says_so_at_once_and_names_the_option(data_dir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["demo", "--port", str(port)])
    assert result.exit_code == 2
    assert f"127.0.0.1:{port}" in result.output and "--port" in result.output
    assert not (data_dir / "catalogue.sqlite").exists()  # nothing generated first


def test_a_command_without_a_database_says_what_to_do(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["users", "token", "anna"])

    assert result.exit_code == 1
    assert "no catalogue database" in result.output and "catalogue db upgrade" in result.output
    assert not data_dir.exists()  # and leaves nothing behind


def test_help_explains_the_catalogues_own_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    for command in ("db", "demo", "search", "worker", "users"):
        # Listed with a description of its own, not just present.
        assert len(lines[command].split()) > 2, result.output


def test_demo_serves_the_catalogue_on_localhost(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "CATALOGUE_DATA_DIR": str(tmp_path / "var")}
    env.pop("CATALOGUE_DATABASE_URL", None)
    args = ["demo", "--datasets", "5", "--publications", "5", "--port", str(port)]
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "catalogue"), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        body = _wait_for_json(f"http://127.0.0.1:{port}/api/datasets", server)
        assert body["total"] >= 1
        assert body["hits"][0]["status"] == "published"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _wait_for_json(url: str, server: subprocess.Popen[bytes]) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            stderr = server.stderr.read().decode() if server.stderr else ""
            pytest.fail(f"catalogue demo exited with {server.returncode}: {stderr[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                data: dict[str, Any] = json.load(response)
                return data
        except OSError:
            time.sleep(0.3)
    pytest.fail("catalogue demo did not serve within 60 s")
