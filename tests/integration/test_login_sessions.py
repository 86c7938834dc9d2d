"""Login sessions kept on the server: listed and ended by their person and by administrators,
over idle, ended at logout for every copy of the cookie, and ended by the provider's
back-channel logout (the service; the provider itself is in tests/e2e)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from catalogue.cli import main
from catalogue.models import AuditEvent, LoginSession, User, utcnow
from catalogue.services import sessions
from catalogue.services.accounts import ensure_user
from tests.integration.conftest import as_user

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def dev_login(client: FlaskClient, who: str, agent: str = FIREFOX) -> int:
    """Log ``client`` in as the demo person whose name starts with ``who``; their id."""
    client.get("/auth/dev-login")  # makes the demo people
    people = client.get("/api/users", headers=as_user("ada", "administrator")).json
    person = next(p for p in people if p["name"].startswith(who))
    csrf = client.get("/auth/session").json["csrf_token"]
    form = {"user": str(person["id"]), "next": "/", "csrf_token": csrf}
    answer = client.post("/auth/dev-login", data=form, headers={"User-Agent": agent})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return int(person["id"])


def csrf(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.get("/auth/session").json["csrf_token"]}


def ended_events(app: Flask) -> list[dict[str, object]]:
    with app.extensions["catalogue"].db.reader() as session:
        query = select(AuditEvent).where(AuditEvent.action == "session_ended")
        return [event.changes for event in session.scalars(query.order_by(AuditEvent.id))]


def test_a_person_sees_where_they_are_logged_in_and_ends_a_session(app: Flask) -> None:
    laptop, phone = app.test_client(), app.test_client()
    anna = dev_login(laptop, "Anna", FIREFOX)
    dev_login(phone, "Anna", PHONE)

    listed = laptop.get("/api/me/sessions").json
    assert [(s["user_agent"], s["current"]) for s in listed] == [(PHONE, False), (FIREFOX, True)]
    assert {s["via"] for s in listed} == {"development login"} and listed[0]["user_id"] == anna
    phones = listed[0]["id"]
    assert laptop.delete(f"/api/me/sessions/{phones}").status_code == 403  # no CSRF token

    ended = laptop.delete(f"/api/me/sessions/{phones}", headers=csrf(laptop))

    assert ended.status_code == 204
    assert phone.get("/api/me").status_code == 401  # logged out at once
    assert phone.get("/auth/session").json["user"] is None
    assert laptop.get("/api/me").status_code == 200
    assert [s["id"] for s in laptop.get("/api/me/sessions").json] != [phones]
    assert ended_events(app) == [{"session": phones, "person": anna, "reason": "ended_by_person"}]


def test_log_out_everywhere_else_keeps_this_session(app: Flask) -> None:
    here, there, elsewhere = app.test_client(), app.test_client(), app.test_client()
    for client in (here, there, elsewhere):
        dev_login(client, "Bram")

    answer = here.delete("/api/me/sessions", headers=csrf(here))

    assert answer.status_code == 200 and answer.json == {"ended": 2}
    assert here.get("/api/me").status_code == 200
    assert there.get("/api/me").status_code == 401
    assert elsewhere.get("/api/me").status_code == 401
    assert len(here.get("/api/me/sessions").json) == 1


def test_nobody_else_ends_or_sees_my_sessions_but_an_administrator(app: Flask) -> None:
    annas, brams = app.test_client(), app.test_client()
    anna = dev_login(annas, "Anna")
    dev_login(brams, "Bram")
    annas_session = annas.get("/api/me/sessions").json[0]["id"]

    assert brams.delete(f"/api/me/sessions/{annas_session}", headers=csrf(brams)).status_code == 404
    assert brams.get("/api/sessions").status_code == 403
    assert annas.get("/api/me").status_code == 200

    administrator = as_user("ada", "administrator")
    everyone = app.test_client().get("/api/sessions", headers=administrator).json
    assert {s["person"] for s in everyone} == {
        "Anna de Vries (researcher)",
        "Bram Bakker (researcher)",
    }
    hers = app.test_client().get(f"/api/sessions?user={anna}", headers=administrator).json
    assert [s["id"] for s in hers] == [annas_session]
    assert app.test_client().get("/api/sessions?user=0", headers=administrator).status_code == 422
    newest = app.test_client().get("/api/sessions?size=1", headers=administrator).json
    assert [s["person"] for s in newest] == ["Bram Bakker (researcher)"]  # used last

    out = app.test_client().delete(f"/api/users/{anna}/sessions", headers=administrator)

    assert out.status_code == 200 and out.json == {"ended": 1}
    assert annas.get("/api/me").status_code == 401
    assert brams.get("/api/me").status_code == 200
    assert ended_events(app)[-1]["reason"] == "ended_by_administrator"
    bram_session = brams.get("/api/me/sessions").json[0]["id"]
    assert (
        app.test_client().delete(f"/api/sessions/{bram_session}", headers=administrator).status_code
        == 204
    )
    assert brams.get("/api/me").status_code == 401
    assert (
        app.test_client().delete("/api/sessions/999999", headers=administrator).status_code == 404
    )


def test_logging_out_ends_every_copy_of_the_cookie(either_app: Flask) -> None:
    app = either_app  # the embedded set-up keeps sessions the same way
    client = app.test_client()
    dev_login(client, "Lotte")
    cookie = client.get_cookie("catalogue_session")
    assert cookie is not None
    copied = app.test_client()
    copied.set_cookie("catalogue_session", cookie.value)
    assert copied.get("/api/me").status_code == 200  # a stolen cookie works while logged in

    assert client.post("/auth/logout", headers=csrf(client)).status_code == 302

    assert copied.get("/api/me").status_code == 401  # and not after the logout
    with app.extensions["catalogue"].db.reader() as session:
        query = select(AuditEvent).where(AuditEvent.action == "logout")
        (logout,) = session.scalars(query).all()
    assert logout.changes["reason"] == "logout" and logout.changes["ip"] == "127.0.0.1"


def test_a_session_idle_for_longer_than_its_lifetime_is_over(app: Flask) -> None:
    client = app.test_client()
    dev_login(client, "Sanne")
    lifetime = app.permanent_session_lifetime
    with app.extensions["catalogue"].db.unit_of_work() as work:
        work.execute(
            update(LoginSession).values(last_seen_at=utcnow() - lifetime - timedelta(minutes=1))
        )

    assert client.get("/api/me").status_code == 401
    assert (
        app.test_client().get("/api/sessions", headers=as_user("ada", "administrator")).json == []
    )


def test_last_seen_is_written_at_most_once_a_minute(app: Flask) -> None:
    client = app.test_client()
    dev_login(client, "Anna")
    an_hour_ago = utcnow() - timedelta(hours=1)
    db = app.extensions["catalogue"].db
    with db.unit_of_work() as work:
        work.execute(update(LoginSession).values(last_seen_at=an_hour_ago))
    client.get("/api/me")
    with db.reader() as work:
        first = work.scalar(select(LoginSession.last_seen_at))
    client.get("/api/me")
    with db.reader() as work:
        second = work.scalar(select(LoginSession.last_seen_at))
    assert first is not None and first > an_hour_ago + timedelta(minutes=59)
    assert second == first


def test_a_cookie_from_before_server_side_sessions_logs_nobody_in(app: Flask) -> None:
    client = app.test_client()
    anna = dev_login(client, "Anna")
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie["uid"] = anna  # what a login wrote before migration 0015
    assert client.get("/api/me").status_code == 401


def test_a_disabled_persons_sessions_stop_working(app: Flask) -> None:
    client = app.test_client()
    bram = dev_login(client, "Bram")
    changed = app.test_client().patch(
        f"/api/users/{bram}", json={"active": False}, headers=as_user("ada", "administrator")
    )
    assert changed.status_code == 200
    assert client.get("/api/me").status_code == 401


# -- the provider's back-channel logout, as the service sees a validated token --------------

ISSUER = "https://login.example.org"


@pytest.fixture()
def provider_people(app: Flask) -> dict[str, int]:
    with app.extensions["catalogue"].db.unit_of_work() as work:
        alice = ensure_user(work, f"{ISSUER}|alice", "Alice", ("researcher",))
        bob = ensure_user(work, f"{ISSUER}|bob", "Bob", ("researcher",))
        other = ensure_user(work, "https://other.example|alice", "Alice elsewhere", ("researcher",))
        for user, sid in ((alice, "sid-a1"), (alice, "sid-a2"), (bob, "sid-b"), (other, "sid-a1")):
            sessions.open_session(work, user, via="sso", provider_sid=sid)
        return {"alice": alice.id, "bob": bob.id, "other": other.id}


def _live(app: Flask) -> set[tuple[int, str | None]]:
    with app.extensions["catalogue"].db.reader() as work:
        rows = work.execute(
            select(LoginSession.user_id, LoginSession.provider_sid).where(
                LoginSession.ended_at.is_(None)
            )
        ).all()
    return {(user_id, sid) for user_id, sid in rows}


def test_a_logout_token_naming_a_provider_session_ends_that_login_only(
    app: Flask, provider_people: dict[str, int]
) -> None:
    with app.extensions["catalogue"].db.unit_of_work() as work:
        assert sessions.provider_logout(work, ISSUER, "alice", "sid-a1", "jti-1") == 1
    alice, bob, other = provider_people["alice"], provider_people["bob"], provider_people["other"]
    # The same sid at another provider is another session.
    assert _live(app) == {(alice, "sid-a2"), (bob, "sid-b"), (other, "sid-a1")}


def test_a_logout_token_naming_a_subject_ends_all_their_sessions(
    app: Flask, provider_people: dict[str, int]
) -> None:
    with app.extensions["catalogue"].db.unit_of_work() as work:
        assert sessions.provider_logout(work, ISSUER, "alice", None, "jti-2") == 2
    assert _live(app) == {(provider_people["bob"], "sid-b"), (provider_people["other"], "sid-a1")}
    assert ended_events(app)[0]["reason"] == "provider_logout"


def test_a_logout_token_naming_only_a_session_stays_with_its_provider(
    app: Flask, provider_people: dict[str, int]
) -> None:
    with app.extensions["catalogue"].db.unit_of_work() as work:
        assert sessions.provider_logout(work, ISSUER, None, "sid-a1", "jti-3") == 1
    assert (provider_people["other"], "sid-a1") in _live(app)


def test_a_logout_token_is_acted_on_once(app: Flask, provider_people: dict[str, int]) -> None:
    db = app.extensions["catalogue"].db
    with db.unit_of_work() as work:
        sessions.provider_logout(work, ISSUER, "bob", None, "jti-4")
    with pytest.raises(sessions.ReplayedLogoutToken), db.unit_of_work() as work:
        sessions.provider_logout(work, ISSUER, "bob", None, "jti-4")
    # The same jti from another issuer is another token.
    with db.unit_of_work() as work:
        sessions.provider_logout(work, "https://other.example", "alice", None, "jti-4")
    assert _live(app) == {
        (provider_people["alice"], "sid-a1"),
        (provider_people["alice"], "sid-a2"),
    }


def test_the_backchannel_endpoint_is_not_there_without_single_sign_on(client: FlaskClient) -> None:
    answer = client.post("/auth/backchannel-logout", data={"logout_token": "x.y.z"})
    assert answer.status_code == 404


def test_sessions_that_ended_long_ago_go_at_the_next_login(app: Flask) -> None:
    """Ended sessions stay listed a month (the security events keep the history); live ones
    stay whatever their age."""
    client = app.test_client()
    dev_login(client, "Ada")
    db = app.extensions["catalogue"].db
    with db.unit_of_work() as work:
        ada = work.scalar(select(User).where(User.subject == "dev|ada"))
        assert ada is not None
        old = sessions.open_session(work, ada, via="sso")
        sessions.log_out(work, old, None)
        work.execute(
            update(LoginSession)
            .where(LoginSession.ended_at.is_not(None))
            .values(ended_at=utcnow() - timedelta(days=31))
        )
    dev_login(app.test_client(), "Ada")
    with db.reader() as work:
        rows = work.scalars(select(LoginSession.ended_at)).all()
    assert len(rows) == 2 and all(ended is None for ended in rows)


def test_the_daily_prune_deletes_sessions_over_a_month_past(
    app: Flask, provider_people: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in app.extensions["catalogue"].settings.to_environ().items():
        monkeypatch.setenv(name, value)
    month_ago = utcnow() - timedelta(days=31)
    db = app.extensions["catalogue"].db
    with db.unit_of_work() as work:
        work.execute(
            update(LoginSession)
            .where(LoginSession.provider_sid == "sid-a1")  # Alice's, and the other Alice's
            .values(last_seen_at=month_ago)
        )
        work.execute(
            update(LoginSession)
            .where(LoginSession.provider_sid == "sid-b")
            .values(ended_at=month_ago, end_reason="logout")
        )

    pruned = CliRunner().invoke(main, ["security-events", "prune"])

    assert pruned.exit_code == 0, pruned.output
    assert "Deleted 3 login sessions" in pruned.output
    assert _live(app) == {(provider_people["alice"], "sid-a2")}
