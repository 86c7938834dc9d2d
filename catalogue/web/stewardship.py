"""Asking for restricted data and deciding on it, in the browser.

A signed-in reader asks from the dataset's page (with the purpose, as the API asks); data
stewards decide in their queue (approve until a day, or deny with a note for the requester)
and revoke a grant before its end. The rules,
the audit events and the once-only decision are the access service's.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from catalogue.api.access import grant_terms
from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.domain import clock
from catalogue.domain.errors import Forbidden, ServiceError
from catalogue.models import Dataset, Record
from catalogue.services import access
from catalogue.services.permissions import can_decide_access
from catalogue.services.records import datasets
from catalogue.web.pages import record_page
from schemas.accounts import AccessDecisionSchema, AccessRequestCreateSchema

blp = Blueprint("stewardship", __name__)
_ASK = AccessRequestCreateSchema()
_DECIDE = AccessDecisionSchema()


@blp.post("/records/<record_id>/access-request")
def ask(record_id: str) -> Response:
    identity = current_identity()
    if identity.is_anonymous:
        return redirect(url_for("auth.login", next=url_for("web.record", record_id=record_id)))
    try:
        purpose = _ASK.load({"purpose": request.form.get("purpose", "")})["purpose"]
        with transaction() as session:
            dataset = datasets.read(session, identity, record_id)
            assert isinstance(dataset, Dataset)
            access.request_access(session, identity, dataset, purpose)
    except ValidationError as exc:
        problems = exc.normalized_messages()  # type: ignore[no-untyped-call]
        return _again(record_id, " ".join(problems.get("purpose", [])), 422)
    except ServiceError as exc:
        return _again(record_id, exc.message, exc.status)
    return redirect(url_for("web.record", record_id=record_id, asked=1) + "#access", code=303)


def _again(record_id: str, problem: str, status: int) -> Response:
    """The record page again, the request form showing what was typed and the problem."""
    return record_page(
        record_id,
        status=status,
        ask={"purpose": request.form.get("purpose", ""), "problem": problem},
    )


@blp.get("/stewardship/access-requests")
def queue() -> Response | str:
    identity = current_identity()
    if identity.is_anonymous:
        return redirect(url_for("auth.login", next=request.path))
    if not can_decide_access(identity):
        raise Forbidden(_("Only data stewards decide access requests."))
    with reader() as session:
        requests = access.list_requests(session, identity, None)
        asked_for = [item.record_id for item in requests]
        titles = dict(
            session.execute(select(Record.id, Record.title).where(Record.id.in_(asked_for))).all()
        )
    pending = [item for item in requests if item.status == "pending"]
    decided = [item for item in requests if item.status != "pending"][:50]
    today = clock.today()
    terms = grant_terms()
    return render_template(
        "web/access_requests.html",
        pending=pending,
        decided=decided,
        titles=titles,
        problem=request.args.get("problem"),
        today=today,
        earliest_until=today + timedelta(days=1),
        default_until=today + timedelta(days=terms.days),
        latest_until=today + timedelta(days=terms.max_days),
    )


@blp.post("/stewardship/access-requests/<id:request_id>/revoke")
def revoke(request_id: int) -> Response:
    identity = current_identity()
    try:
        with transaction() as session:
            access.revoke(session, identity, request_id, request.form.get("note") or None)
    except ServiceError as exc:
        return redirect(url_for("stewardship.queue", problem=exc.message), code=303)
    return redirect(url_for("stewardship.queue"), code=303)


@blp.post("/stewardship/access-requests/<id:request_id>/decision")
def decide(request_id: int) -> Response:
    identity = current_identity()
    try:
        data = _DECIDE.load(
            {
                "decision": request.form.get("decision", ""),
                "note": request.form.get("note") or None,
                "until": request.form.get("until") or None,
            }
        )
        with transaction() as session:
            access.decide(
                session, identity, request_id, data["decision"], data["note"], data["until"],
                grant_terms(),
            )  # fmt: skip
    except ValidationError as exc:
        messages = exc.normalized_messages()  # type: ignore[no-untyped-call]
        problem = " ".join(str(m) for values in messages.values() for m in values)
        return redirect(url_for("stewardship.queue", problem=problem), code=303)
    except ServiceError as exc:
        return redirect(url_for("stewardship.queue", problem=exc.message), code=303)
    return redirect(url_for("stewardship.queue"), code=303)
