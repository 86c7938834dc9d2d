"""Security events for the security officer: paged through (keyset, the Link header), filtered
by kind, person and days, exported whole as CSV with inert cells, and pruned after the
retention period by an operator's command that keeps the records' own history."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from catalogue.cli import main
from catalogue.models import AuditEvent
from catalogue.services.accounts import ensure_user
from tests.integration.conftest import as_user

EVENTS = 1000
START = datetime(2026, 1, 1, tzinfo=UTC)
KINDS = ("login", "logout", "token_created", "login_failed")


@pytest.fixture()
def history(app: Flask) -> dict[str, int]:
    """1,000 security events by two people, one every six hours from 2026-01-01, kinds in
    turn; one record event as old as the oldest.  Returns the people's ids."""
    state = app.extensions["catalogue"]
    with state.db.unit_of_work() as session:
        people = {
            "eve": ensure_user(session, "test|eve", "Eve", ["researcher"]).id,
            # A name a spreadsheet would run as a formula.
            "formula": ensure_user(session, "test|f", '=HYPERLINK("http://x")', ["researcher"]).id,
        }
        session.execute(
            insert(AuditEvent),
            [
                {
                    "actor_id": people["eve"] if n % 2 == 0 else people["formula"],
                    "action": KINDS[n % len(KINDS)],
                    "at": START + timedelta(hours=6 * n),
                    "changes": {"n": n, "ip": "=1+1"},
                }
                for n in range(EVENTS)
            ],
        )
        session.execute(
            insert(AuditEvent),
            [{"record_id": "old-record", "action": "created", "at": START, "changes": {}}],
        )
    return people


def _security_ids(app: Flask) -> list[int]:
    with app.extensions["catalogue"].db.reader() as session:
        return list(
            session.scalars(
                select(AuditEvent.id)
                .where(AuditEvent.record_id.is_(None))
                .order_by(AuditEvent.id.desc())
            )
        )


def _next(answer: object) -> str | None:
    link = answer.headers.get("Link")  # type: ignore[attr-defined]
    if not link:
        return None
    found = re.fullmatch(r'<http://[^/]+(/[^>]+)>; rel="next"', link)
    assert found, link
    return found.group(1)


def test_paging_through_a_thousand_events(
    app: Flask, client: FlaskClient, history: dict[str, int]
) -> None:
    admin = as_user("ada", "administrator")
    seen: list[int] = []
    pages = 0
    url: str | None = "/api/security-events?size=150"
    while url:
        answer = client.get(url, headers=admin)
        assert answer.status_code == 200, answer.json
        seen += [event["id"] for event in answer.json]
        pages += 1
        url = _next(answer)
    assert seen == _security_ids(app)  # every event once, newest first, nothing skipped
    assert len(seen) > EVENTS and pages == len(seen) // 150 + 1


def test_filters_by_kind_person_and_days(client: FlaskClient, history: dict[str, int]) -> None:
    admin = as_user("ada", "administrator")
    eve = history["eve"]
    # Eve's logins (every fourth event is a login, all of them Eve's) in January 2026.
    url: str | None = (
        f"/api/security-events?kind=login&kind=logout&person={eve}"
        "&since=2026-01-01&until=2026-01-31&size=7"
    )
    found = []
    while url:
        answer = client.get(url, headers=admin)
        assert answer.status_code == 200
        found += answer.json
        url = _next(answer)
    expected = [
        n for n in range(EVENTS)
        if KINDS[n % 4] in {"login", "logout"} and n % 2 == 0
        and START + timedelta(hours=6 * n) < datetime(2026, 2, 1, tzinfo=UTC)
    ]  # fmt: skip
    assert sorted(event["details"]["n"] for event in found) == expected
    assert {event["action"] for event in found} == {"login"}  # logouts were the other's
    assert {event["actor_id"] for event in found} == {eve}

    for query, field in (("kind=lunch", "kind"), ("since=2026-02-01&until=2026-01-01", "since")):
        wrong = client.get(f"/api/security-events?{query}", headers=admin)
        assert wrong.status_code == 422 and list(wrong.json["errors"]["query"]) == [field]


def test_the_export_is_every_event_with_inert_cells(
    app: Flask, client: FlaskClient, history: dict[str, int]
) -> None:
    refused = client.get("/api/security-events?format=csv", headers=as_user("bram"))
    assert refused.status_code == 403
    answer = client.get("/api/security-events?format=csv", headers=as_user("ada", "administrator"))
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    # More than one chunk of 1,000, streamed, in the same order as the pages.
    assert [int(row["id"]) for row in rows] == _security_ids(app)
    named = [row for row in rows if row["actor"].startswith("'=HYPERLINK")]
    assert len(named) == EVENTS // 2  # the formula came out as text
    assert all(not row[column].startswith(("=", "+", "-", "@")) for row in rows for column in row)


def test_pruning_keeps_recent_events_and_every_records_history(
    app: Flask, history: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in app.extensions["catalogue"].settings.to_environ().items():
        monkeypatch.setenv(name, value)
    before = len(_security_ids(app))
    cutoff = datetime.now(UTC) - timedelta(days=200)
    old = sum(1 for n in range(EVENTS) if START + timedelta(hours=6 * n) < cutoff)
    assert 0 < old < EVENTS

    pruned = CliRunner().invoke(main, ["security-events", "prune", "--older-than-days", "200"])
    assert pruned.exit_code == 0, pruned.output
    assert f"Pruned {old} security events" in pruned.output
    with app.extensions["catalogue"].db.reader() as session:
        left = session.scalars(select(AuditEvent).where(AuditEvent.record_id.is_(None))).all()
        kept_record_event = session.scalar(
            select(AuditEvent.id).where(AuditEvent.record_id == "old-record")
        )
    assert len(left) == before - old + 1  # and the pruning's own event
    assert all(event.at >= cutoff for event in left)
    assert kept_record_event is not None
    assert any(
        event.action == "security_events_pruned" and event.changes["pruned"] == old
        for event in left
    )

    monkeypatch.setenv("CATALOGUE_SECURITY_EVENT_RETENTION_DAYS", "0")
    kept = CliRunner().invoke(main, ["security-events", "prune"])
    assert kept.exit_code == 0 and "kept for ever" in kept.output
