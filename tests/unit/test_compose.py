"""docker-compose.yml cannot run on these machines (no Docker): what it says is checked here
instead, so it stays true to the code."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from catalogue.cli import main
from catalogue.config import ENV_PREFIX, Settings

COMPOSE = yaml.safe_load((Path(__file__).parents[2] / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]


@pytest.mark.parametrize(
    "name",
    [name for name, service in SERVICES.items() if service.get("command", [""])[0] == "catalogue"],
)
def test_every_catalogue_command_it_runs_exists_with_those_options(name: str) -> None:
    arguments = SERVICES[name]["command"][1:]
    answer = CliRunner().invoke(main, [*arguments, "--help"])  # parsed, not run
    assert answer.exit_code == 0, answer.output


def test_every_setting_it_gives_is_one_the_catalogue_reads() -> None:
    known = {ENV_PREFIX + f.name.upper() for f in fields(Settings)}
    given = set(COMPOSE["x-catalogue-env"])
    assert given <= known, given - known


def test_the_app_processes_share_rate_limits_and_metrics() -> None:
    app = SERVICES["app"]
    assert app["environment"]["CATALOGUE_RATE_LIMIT_STORAGE"].startswith("redis://redis:")
    assert app["environment"]["PROMETHEUS_MULTIPROC_DIR"] in app["tmpfs"]
    assert "redis" in app["depends_on"]
