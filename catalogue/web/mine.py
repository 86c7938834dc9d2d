"""``/me``: my catalogue. My records (drafts too) with their FAIR scores, my access requests
and their outcome, where I am logged in (end a session, or all but this one), my personal
access tokens (create: the secret is shown once; revoke).

Changes are plain forms with the session's CSRF token; they call the services the API calls.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity, current_session_id
from catalogue.domain import clock
from catalogue.domain.errors import ServiceError
from catalogue.models import Dataset, Record, utcnow
from catalogue.services import access, accounts, sessions
from catalogue.services.permissions import Identity
from catalogue.services.search import search_records
from schemas.accounts import TokenCreateSchema

blp = Blueprint("mine", __name__, url_prefix="/me")
_TOKEN_FORM = TokenCreateSchema()


def _signed_in() -> Identity | Response:
    identity = current_identity()
    if identity.is_anonymous:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return identity


@blp.get("")
def overview() -> Response | str | tuple[str, int]:
    identity = _signed_in()
    if isinstance(identity, Response):
        return identity
    return _render(identity)


def _render(
    identity: Identity,
    new_token: dict[str, Any] | None = None,
    problems: dict[str, Any] | None = None,
    status: int = 200,
) -> str | tuple[str, int]:
    backend = current_app.extensions["catalogue"].backend
    result = search_records(
        backend, identity, {"owner": "me", "sort": "newest", "size": 100, "facets": False}
    )
    records = [orjson.loads(hit.record_json) for hit in result.hits]
    with reader() as session:
        ids = [record["id"] for record in records if record["kind"] == "dataset"]
        # .all(): a Result has keys() (its columns), which dict() would take for a mapping.
        scores = dict(
            session.execute(select(Dataset.id, Dataset.fair_score).where(Dataset.id.in_(ids))).all()
        )
        # Stewards see everyone's requests in their queue; here, only the person's own.
        requests = [
            item
            for item in access.list_requests(session, identity, None)
            if item.requester_id == identity.user_id
        ]
        titles = dict(
            session.execute(
                select(Record.id, Record.title).where(
                    Record.id.in_([r.record_id for r in requests])
                )
            ).all()
        )
        tokens = [t for t in accounts.tokens_of(session, identity) if t.revoked_at is None]
        logins = sessions.sessions_of(session, identity, current_app.permanent_session_lifetime)
    body = render_template(
        "web/mine.html",
        today=clock.today(),
        records=records,
        total=result.total,
        scores=scores,
        requests=requests,
        titles=titles,
        tokens=tokens,
        logins=logins,
        this_session=current_session_id(),
        ended=request.args.get("ended", type=int),
        new_token=new_token,
        problems=problems or {},
        now=utcnow(),
        max_days=current_app.extensions["catalogue"].settings.token_max_days,
    )
    return (body, status) if status != 200 else body


@blp.post("/tokens")
def create_token() -> Response | str | tuple[str, int]:
    identity = _signed_in()
    if isinstance(identity, Response):
        return identity
    form = {
        "name": request.form.get("name", ""),
        "scopes": request.form.getlist("scopes") or ["read"],
        "expires_in_days": request.form.get("expires_in_days") or 90,
    }
    try:
        data = _TOKEN_FORM.load(form)
    except ValidationError as exc:
        return _render(identity, problems=exc.normalized_messages(), status=422)  # type: ignore[no-untyped-call]
    limit = current_app.extensions["catalogue"].settings.token_max_days
    if data["expires_in_days"] > limit:
        return _render(
            identity, problems={"expires_in_days": [_("At most %(n)d days.", n=limit)]}, status=422
        )
    try:
        with transaction() as session:
            token, secret = accounts.issue_token(
                session,
                identity,
                data["name"],
                data["scopes"],
                utcnow() + timedelta(days=data["expires_in_days"]),
            )
            shown = {"name": token.name, "secret": secret, "scopes": token.scopes}
    except ServiceError as exc:
        return _render(identity, problems={"token": [exc.message]}, status=exc.status)
    # Shown in this answer only, never stored: the page says so.
    return _render(identity, new_token=shown, status=201)


@blp.post("/tokens/<id:token_id>/revoke")
def revoke_token(token_id: int) -> Response:
    identity = _signed_in()
    if isinstance(identity, Response):
        return identity
    with transaction() as session:
        accounts.revoke_token(session, identity, token_id)
    return redirect(url_for("mine.overview") + "#tokens", code=303)


@blp.post("/sessions/<id:session_id>/end")
def end_session(session_id: int) -> Response:
    identity = _signed_in()
    if isinstance(identity, Response):
        return identity
    with transaction() as session:
        sessions.end_own_session(session, identity, session_id)
    return redirect(url_for("mine.overview", ended=1) + "#sessions", code=303)


@blp.post("/sessions/end-others")
def end_other_sessions() -> Response:
    identity = _signed_in()
    if isinstance(identity, Response):
        return identity
    lifetime = current_app.permanent_session_lifetime
    with transaction() as session:
        ended = sessions.end_other_own_sessions(session, identity, lifetime, current_session_id())
    return redirect(url_for("mine.overview", ended=ended) + "#sessions", code=303)
