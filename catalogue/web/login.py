"""``/auth/dev-login``: the development login (development mode only), as a page of the site.

A newcomer on the demo picks one of the demo people (researcher, librarian, data steward,
administrator) and acts as them. Production refuses to start with it on. The form carries
the CSRF token like every other; the login is a security event like any other.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request
from werkzeug.wrappers import Response

from catalogue.api.context import db
from catalogue.api.identity import safe_next, start_session
from catalogue.domain.errors import NotFound
from catalogue.models import User
from catalogue.services.accounts import ensure_dev_users
from catalogue.services.audit import security_event
from catalogue.web.forms import whole_number

blp = Blueprint("dev_login", __name__)


@blp.route("/auth/dev-login", methods=["GET", "POST"])
def page() -> Response | tuple[str, int]:
    if not current_app.extensions["catalogue"].settings.dev_login_enabled:
        raise NotFound("The development login is off.")
    with db().unit_of_work() as work:
        people = [{"id": user.id, "name": user.name} for user in ensure_dev_users(work)]
    if request.method == "GET":
        return _form(people, safe_next(request.args.get("next")))
    chosen = whole_number(request.form.get("user"))
    with db().unit_of_work() as work:
        user = work.get(User, chosen) if chosen is not None else None
        if user is None or not user.subject.startswith("dev|") or not user.active:
            return _form(people, safe_next(request.form.get("next")), problem=True, status=422)
        security_event(work, "login", user.id, {"via": "development login"})
        start_session(work, user, "development login")
    return redirect(safe_next(request.form.get("next")))


def _form(
    people: list[dict[str, object]], target: str, problem: bool = False, status: int = 200
) -> tuple[str, int]:
    page = render_template("web/dev_login.html", people=people, target=target, problem=problem)
    return page, status
