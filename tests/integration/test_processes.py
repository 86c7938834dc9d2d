"""Several app processes, as in production: real gunicorn servers on one database, one
search engine and one Redis.  A rate limit holds across processes, a session and its CSRF
token work whichever process answers, and /metrics adds up every gunicorn worker."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from catalogue.config import Settings
from tests.app_servers import gunicorn
from tests.conftest import service_url
from tests.integration.conftest import make_settings, minimal_dataset


@pytest.fixture(scope="module")
def redis_url() -> str:
    return service_url("CATALOGUE_TEST_REDIS_URL")


def _settings(app: Flask, **overrides: Any) -> Settings:
    """The test app's database and search engine, for other processes."""
    current: Settings = app.extensions["catalogue"].settings
    return make_settings(
        current.database_url,
        elasticsearch_url=current.elasticsearch_url,
        index_prefix=current.index_prefix,
        **overrides,
    )


def _answers(bases: list[str], rounds: int) -> list[int]:
    """Anonymous searches, alternating between the processes: their statuses."""
    return [
        requests.get(f"{bases[n % len(bases)]}/api/search", timeout=10).status_code
        for n in range(rounds)
    ]


def test_a_rate_limit_is_shared_by_processes_through_redis(app: Flask, redis_url: str) -> None:
    redis.Redis.from_url(redis_url).flushdb()  # counters of earlier runs
    shared = _settings(app, anonymous_rate_limit="12 per minute", rate_limit_storage=redis_url)
    with ExitStack() as stack:
        bases = [stack.enter_context(gunicorn(shared)) for _ in range(2)]
        statuses = _answers(bases, 16)
    assert statuses.count(200) == 12 and statuses.count(429) == 4
    assert statuses[:12] == [200] * 12  # the limit is counted once, whichever process answers

    # Without the shared store each process counts its own: twice the limit gets through.
    apart = _settings(app, anonymous_rate_limit="12 per minute", rate_limit_storage="local://")
    with ExitStack() as stack:
        bases = [stack.enter_context(gunicorn(apart)) for _ in range(2)]
        assert _answers(bases, 16) == [200] * 16


def test_a_session_and_its_csrf_token_work_whichever_process_answers(app: Flask) -> None:
    settings = _settings(app)
    with gunicorn(settings) as first, gunicorn(settings) as second:
        browser = requests.Session()  # cookies are per host, not per port: one browser
        token = browser.get(f"{first}/auth/session", timeout=10).json()["csrf_token"]
        with app.extensions["catalogue"].db.reader() as session:
            browser.get(f"{first}/auth/dev-login", timeout=10)  # makes the demo people
            anna = session.scalar(
                text("SELECT id FROM users WHERE subject LIKE 'dev|%' ORDER BY id LIMIT 1")
            )
        login = browser.post(
            f"{second}/auth/dev-login",
            data={"user": anna, "csrf_token": token, "next": "/"},
            allow_redirects=False,
            timeout=10,
        )
        assert login.status_code == 302, login.text
        who = browser.get(f"{first}/auth/session", timeout=10).json()
        assert who["user"]["id"] == anna  # logged in on the second, known on the first

        body = minimal_dataset(title="Saved through another process")
        refused = browser.post(f"{second}/api/datasets", json=body, timeout=10)
        assert refused.status_code == 403 and "CSRF" in refused.json()["message"]
        saved = browser.post(
            f"{second}/api/datasets",
            json=body,
            headers={"X-CSRF-Token": who["csrf_token"]},
            timeout=10,
        )
        assert saved.status_code == 201, saved.text
        read = browser.get(f"{first}/api/datasets/{saved.json()['id']}", timeout=10)
        assert read.status_code == 200 and read.json()["title"] == body["title"]


def test_metrics_add_up_every_gunicorn_worker(app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    with gunicorn(_settings(app), workers=2, PROMETHEUS_MULTIPROC_DIR=str(folder)) as base:
        for _ in range(20):
            assert requests.get(f"{base}/api/vocabularies/themes", timeout=10).status_code == 200
        seen = []
        for _ in range(4):  # whichever worker answers the scrape
            text_ = requests.get(f"{base}/metrics", timeout=10).text
            samples = [
                sample
                for family in text_string_to_metric_families(text_)
                for sample in family.samples
                if sample.name == "catalogue_http_request_duration_seconds_count"
                and sample.labels["endpoint"] == "/api/vocabularies/themes"
            ]
            seen.append(sum(sample.value for sample in samples))
    assert seen == [20.0] * 4
