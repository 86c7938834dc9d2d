"""``/api/me``, ``/api/me/tokens``, ``/api/me/sessions``, ``/api/users``, ``/api/sessions``
and ``/api/security-events``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Response, current_app, request, url_for
from flask.views import MethodView

from catalogue.adapters.db import Database
from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity, current_session_id
from catalogue.api.routing import Blueprint
from catalogue.api.spreadsheets import csv_answer
from catalogue.domain.errors import InvalidInput, NotAuthenticated
from catalogue.models import LoginSession, utcnow
from catalogue.services import accounts, sessions
from catalogue.services.accounts import SecurityEventFilter
from catalogue.services.permissions import Identity
from schemas.accounts import (
    EndedSessionsSchema,
    LoginSessionSchema,
    MeSchema,
    NewTokenSchema,
    SecurityEventArgsSchema,
    SecurityEventSchema,
    SessionArgsSchema,
    TokenCreateSchema,
    TokenSchema,
    UserSchema,
    UserUpdateSchema,
)

blp = Blueprint(
    "accounts",
    __name__,
    url_prefix="/api",
    description="Who you are, your personal access tokens; users and roles (administrators).",
)


def _signed_in() -> Any:
    identity = current_identity()
    if identity.is_anonymous:
        raise NotAuthenticated("Log in, or send a personal access token.")
    return identity


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, MeSchema)
    @blp.alt_response(401, description="Not logged in")
    def get(self) -> Any:
        """The caller: name, roles, and the scopes of the credential used."""
        identity = _signed_in()
        return {
            "id": identity.user_id,
            "name": identity.name,
            "roles": sorted(identity.roles),
            "scopes": sorted(identity.scopes),
        }


@blp.route("/me/tokens")
class Tokens(MethodView):
    @blp.response(200, TokenSchema(many=True))
    def get(self) -> Any:
        """Your personal access tokens (never their secrets)."""
        identity = _signed_in()
        with reader() as session:
            return accounts.tokens_of(session, identity)

    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    @blp.alt_response(409, description="Too many active tokens; revoke one first")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a token; its secret is in this answer only.  Use it as a Bearer token."""
        identity = _signed_in()
        limit = current_app.extensions["catalogue"].settings.token_max_days
        if data["expires_in_days"] > limit:
            raise InvalidInput({"expires_in_days": [f"At most {limit} days."]})
        expires_at = utcnow() + timedelta(days=data["expires_in_days"])
        with transaction() as session:
            token, secret = accounts.issue_token(
                session, identity, data["name"], data["scopes"], expires_at
            )
            body = {name: getattr(token, name) for name in TokenSchema().fields}
            body["token"] = secret
        return body, 201


@blp.route("/me/tokens/<id:token_id>")
class Token(MethodView):
    @blp.response(204)
    def delete(self, token_id: int) -> Response:
        """Revoke a token: it stops working at once."""
        identity = _signed_in()
        with transaction() as session:
            accounts.revoke_token(session, identity, token_id)
        return Response(status=204)


def _lifetime() -> timedelta:
    return current_app.permanent_session_lifetime


def _listed(logins: list[LoginSession]) -> list[dict[str, Any]]:
    current = current_session_id()
    return [
        {**{name: getattr(login, name) for name in ("id", "user_id", "via", "ip", "user_agent",
            "created_at", "last_seen_at", "user")}, "current": login.id == current}
        for login in logins
    ]  # fmt: skip


@blp.route("/me/sessions")
class MySessions(MethodView):
    @blp.response(200, LoginSessionSchema(many=True))
    def get(self) -> Any:
        """Where you are logged in: your live browser sessions, the most recently used first
        (``current`` marks the one this request came with)."""
        identity = _signed_in()
        with reader() as session:
            return _listed(sessions.sessions_of(session, identity, _lifetime()))

    @blp.response(200, EndedSessionsSchema)
    def delete(self) -> Any:
        """Log out everywhere else: every session of yours but the one this request came with
        ends at once, on every server."""
        identity = _signed_in()
        with transaction() as session:
            ended = sessions.end_other_own_sessions(
                session, identity, _lifetime(), current_session_id()
            )
        return {"ended": ended}


@blp.route("/me/sessions/<id:session_id>")
class MySession(MethodView):
    @blp.response(204)
    def delete(self, session_id: int) -> Response:
        """End one of your sessions (a browser you left logged in elsewhere)."""
        identity = _signed_in()
        with transaction() as session:
            sessions.end_own_session(session, identity, session_id)
        return Response(status=204)


@blp.route("/sessions")
class Sessions(MethodView):
    @blp.arguments(SessionArgsSchema, location="query")
    @blp.response(200, LoginSessionSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Everyone's live browser sessions, or one person's, the most recently used first
        (administrators)."""
        identity = _signed_in()
        with reader() as session:
            found = sessions.all_sessions(
                session, identity, _lifetime(), args.get("user"), args["size"]
            )
            return _listed(found)


@blp.route("/sessions/<id:session_id>")
class SessionItem(MethodView):
    @blp.response(204)
    def delete(self, session_id: int) -> Response:
        """End anyone's session (administrators); audited."""
        identity = _signed_in()
        with transaction() as session:
            sessions.end_any_session(session, identity, session_id)
        return Response(status=204)


@blp.route("/users/<id:user_id>/sessions")
class UserSessions(MethodView):
    @blp.response(200, EndedSessionsSchema)
    def delete(self, user_id: int) -> Any:
        """Log a person out everywhere (administrators): every live session of theirs ends."""
        identity = _signed_in()
        with transaction() as session:
            ended = sessions.end_sessions_of(session, identity, user_id, _lifetime())
        return {"ended": ended}


@blp.route("/users")
class Users(MethodView):
    @blp.response(200, UserSchema(many=True))
    def get(self) -> Any:
        """Everyone known to the catalogue (administrators)."""
        identity = _signed_in()
        with reader() as session:
            return accounts.list_users(session, identity)


@blp.route("/users/<id:user_id>")
class UserItem(MethodView):
    @blp.response(200, UserSchema)
    def get(self, user_id: int) -> Any:
        """One user (administrators)."""
        identity = _signed_in()
        with reader() as session:
            return accounts.get_user(session, identity, user_id)

    @blp.arguments(UserUpdateSchema)
    @blp.response(200, UserSchema)
    def patch(self, data: dict[str, Any], user_id: int) -> Any:
        """Grant roles or disable an account (administrators).

        ``roles`` replaces the roles administrators granted; roles from the login
        provider's claims stay and follow the provider.
        """
        identity = _signed_in()
        with transaction() as session:
            return accounts.update_user(
                session, identity, user_id, data.get("roles"), data.get("active")
            )


def _event_filter(args: dict[str, Any]) -> SecurityEventFilter:
    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=UTC)

    return SecurityEventFilter(
        kinds=tuple(args["kind"]),
        person=args.get("person"),
        since=midnight(args["since"]) if args.get("since") else None,
        until=midnight(args["until"] + timedelta(days=1)) if args.get("until") else None,
        before=args.get("after"),
    )


_EXPORT_CHUNK = 1000


def _export_rows(
    db: Database, identity: Identity, where: SecurityEventFilter
) -> Iterator[list[Any]]:
    """Every matching event, newest first, read a chunk at a time while the answer streams
    (each chunk in a short session of its own: no transaction stays open between chunks)."""
    yield ["id", "at", "kind", "actor_id", "actor", "details"]
    while True:
        with db.reader() as session:
            chunk = accounts.security_events(session, identity, _EXPORT_CHUNK, where)
            rows = [
                [event.id, event.at.isoformat(), event.action, event.actor_id,
                 event.actor.name if event.actor else "", json.dumps(event.changes)]
                for event in chunk
            ]  # fmt: skip
        yield from rows
        if len(chunk) < _EXPORT_CHUNK:
            return
        where = replace(where, before=chunk[-1].id)


@blp.route("/security-events")
class SecurityEvents(MethodView):
    @blp.arguments(SecurityEventArgsSchema, location="query")
    @blp.response(200, SecurityEventSchema(many=True))
    @blp.doc(responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
    def get(self, args: dict[str, Any]) -> Any:
        """Logins, refused credentials, token and role changes, newest first (administrators):
        filtered by kind, person and days; a page of ``size``, the next one in the ``Link``
        header (``rel="next"``). ``format=csv`` exports every matching event for the
        security officer (cells a spreadsheet would run as formulas are made inert)."""
        identity = _signed_in()
        where = _event_filter(args)
        if args["format"] == "csv":
            with reader() as session:  # refuses anyone but an administrator before it streams
                accounts.security_events(session, identity, 1, where)
            return csv_answer(
                _export_rows(current_app.extensions["catalogue"].db, identity, where),
                "security-events.csv",
            )
        with reader() as session:
            events = accounts.security_events(session, identity, args["size"], where)
        headers = {}
        if len(events) == args["size"]:
            query: dict[str, Any] = {**request.args.to_dict(flat=False), "after": events[-1].id}
            link = url_for("accounts.SecurityEvents", _external=True, **query)
            headers["Link"] = f'<{link}>; rel="next"'
        return events, 200, headers
