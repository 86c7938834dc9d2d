"""Co-editors on the record page: the owner adds a colleague by the email or ORCID iD they
log in with, or removes one; every editor sees who else edits. The access service decides
and audits, as for the API."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from marshmallow import ValidationError
from werkzeug.wrappers import Response

from catalogue.api.context import transaction
from catalogue.api.identity import current_identity
from catalogue.domain.errors import ServiceError
from catalogue.services import access
from catalogue.services.records import read_any
from catalogue.web.pages import record_page
from schemas.accounts import EditorAddSchema

blp = Blueprint("coeditors", __name__, url_prefix="/records")
_ADD = EditorAddSchema()


@blp.post("/<record_id>/editors")
def add(record_id: str) -> Response | tuple[str, int]:
    identity = current_identity()
    who = (request.form.get("who") or "").strip()
    # One field for people: an ORCID iD (digits and dashes, or its URL) or else an email.
    looks_like_orcid = "orcid.org" in who or who.replace("-", "").replace("X", "").isdigit()
    body = {"orcid": who} if looks_like_orcid else {"email": who}
    try:
        data = _ADD.load(body)
        with transaction() as session:
            record = read_any(session, identity, record_id)
            access.add_editor(session, identity, record, data.get("email"), data.get("orcid"))
    except ValidationError as exc:
        messages = exc.normalized_messages()  # type: ignore[no-untyped-call]
        problem = " ".join(str(m) for values in messages.values() for m in values)
        return record_page(record_id, status=422, notice=problem, editor_typed=who)
    except ServiceError as exc:
        errors = (exc.errors or {}).get("json") or {}
        problem = " ".join(m for values in errors.values() for m in values) or exc.message
        return record_page(record_id, status=exc.status, notice=problem, editor_typed=who)
    return redirect(url_for("web.record", record_id=record_id) + "#editors", code=303)


@blp.post("/<record_id>/editors/<id:user_id>/remove")
def remove(record_id: str, user_id: int) -> Response | tuple[str, int]:
    identity = current_identity()
    try:
        with transaction() as session:
            record = read_any(session, identity, record_id)
            access.remove_editor(session, identity, record, user_id)
    except ServiceError as exc:
        return record_page(record_id, status=exc.status, notice=exc.message)
    return redirect(url_for("web.record", record_id=record_id) + "#editors", code=303)
