"""``/admin``: people and their roles, who is logged in (end a session), security events
(administrators). Role changes go through the accounts service, audited as through the API;
provider roles follow the login provider and are shown, not edited."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.domain.errors import Forbidden, InvalidInput, NotFound, ServiceError
from catalogue.domain.terms import ROLES
from catalogue.services import accounts, sessions
from catalogue.services.permissions import can_administer
from catalogue.services.vocabularies import EDITABLE, list_terms, save_term
from catalogue.web.labels import THEME_GROUPS
from schemas.terms import TermChangeSchema, ThemeChangeSchema

blp = Blueprint("admin", __name__, url_prefix="/admin")
# The most recently used sessions the page lists (the API gives one person's, or more).
_SESSIONS_SHOWN = 100


@blp.get("")
def overview() -> Response | str:
    identity = current_identity()
    if identity.is_anonymous:
        return redirect(url_for("auth.login", next=request.path))
    with reader() as session:
        users = accounts.list_users(session, identity)  # refuses non-administrators (403)
        people = [
            {
                "id": user.id,
                "name": user.name,
                "email": user.email,
                "active": user.active,
                "granted": {g.role for g in user.role_grants if g.source == "admin"},
                "provider": {g.role for g in user.role_grants if g.source == "provider"},
                "last_login": user.last_login_at,
            }
            for user in users
        ]
        events = accounts.security_events(session, identity, limit=50)
        names = {user.id: user.name for user in users}
        logins = sessions.all_sessions(
            session, identity, current_app.permanent_session_lifetime, limit=_SESSIONS_SHOWN + 1
        )
    return render_template(
        "web/admin.html",
        people=people,
        roles=ROLES,
        events=events,
        names=names,
        logins=logins[:_SESSIONS_SHOWN],
        more_logins=len(logins) > _SESSIONS_SHOWN,
        ended=request.args.get("ended", type=int),
        problem=request.args.get("problem"),
        changed=request.args.get("changed", type=int),
    )


@blp.post("/users/<id:user_id>")
def change_user(user_id: int) -> Response:
    roles = [role for role in request.form.getlist("roles") if role in ROLES]
    active = request.form.get("active") == "on"
    try:
        with transaction() as session:
            accounts.update_user(session, current_identity(), user_id, roles, active)
    except ServiceError as exc:
        return redirect(url_for("admin.overview", problem=exc.message) + "#people", code=303)
    return redirect(url_for("admin.overview", changed=user_id) + "#people", code=303)


@blp.post("/sessions/<id:session_id>/end")
def end_session(session_id: int) -> Response:
    try:
        with transaction() as session:
            sessions.end_any_session(session, current_identity(), session_id)
    except ServiceError as exc:
        return redirect(url_for("admin.overview", problem=exc.message) + "#sessions", code=303)
    return redirect(url_for("admin.overview", ended=1) + "#sessions", code=303)


_CHANGES = {"themes": ThemeChangeSchema(), "departments": TermChangeSchema()}
_NEW_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


@blp.get("/vocabularies/<vocabulary>")
def vocabulary(vocabulary: str) -> Response | str | tuple[str, int]:
    identity = current_identity()
    if identity.is_anonymous:
        return redirect(url_for("auth.login", next=request.path))
    return _vocabulary_page(vocabulary)


def _vocabulary_page(
    vocabulary: str, typed: dict[str, Any] | None = None, status: int = 200
) -> tuple[str, int]:
    """The terms with a form each; ``typed`` shows a refused change again, as typed."""
    if vocabulary not in EDITABLE:
        raise NotFound(f"No vocabulary {vocabulary!r} to maintain here.")
    if not can_administer(current_identity()):
        raise Forbidden("Only administrators (with the admin scope) maintain vocabularies.")
    with reader() as session:
        terms = list_terms(session, vocabulary)
    page = render_template(
        "web/vocabulary.html",
        vocabulary=vocabulary,
        terms=terms,
        groups=THEME_GROUPS,
        typed=typed or {},
    )
    return page, status


@blp.post("/vocabularies/<vocabulary>")
def save(vocabulary: str) -> Response | tuple[str, int]:
    identity = current_identity()
    if vocabulary not in EDITABLE:
        raise NotFound(f"No vocabulary {vocabulary!r} to maintain here.")
    term_id = (request.form.get("term_id") or "").strip()
    form = {"label": request.form.get("label", ""), "retired": request.form.get("retired") == "on"}
    if vocabulary == "themes":
        form["group"] = request.form.get("group", "")
    typed = {"term_id": term_id, **form}
    try:
        if not _NEW_ID.match(term_id):
            raise InvalidInput({"term_id": [_("2-64 lower-case letters, digits and '-'.")]})
        data = _CHANGES[vocabulary].load(form)
        with transaction() as session:
            save_term(session, identity, vocabulary, term_id, data)
    except ValidationError as exc:
        errors = exc.normalized_messages()  # type: ignore[no-untyped-call]
        return _vocabulary_page(vocabulary, {**typed, "errors": errors}, 422)
    except ServiceError as exc:
        errors = (exc.errors or {}).get("json") or {"_": [exc.message]}
        return _vocabulary_page(vocabulary, {**typed, "errors": errors}, exc.status)
    return redirect(url_for("admin.vocabulary", vocabulary=vocabulary, saved=term_id), code=303)
