"""``/admin``: people and their roles, enrichment jobs and their progress, security events
(administrators). Role changes go through the accounts service, audited as through the API;
provider roles follow the login provider and are shown, not edited."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.domain.errors import ServiceError
from catalogue.domain.terms import ROLES
from catalogue.models import EnrichmentJob
from catalogue.services import accounts

blp = Blueprint("admin", __name__, url_prefix="/admin")


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
        jobs = list(
            session.scalars(select(EnrichmentJob).order_by(EnrichmentJob.id.desc()).limit(20))
        )
        events = accounts.security_events(session, identity, limit=50)
        names = {user.id: user.name for user in users}
    return render_template(
        "web/admin.html",
        people=people,
        roles=ROLES,
        jobs=jobs,
        events=events,
        names=names,
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
