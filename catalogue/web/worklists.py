"""Worklists as pages: what library staff and data stewards act on next, with the Open
Access correction form one click away on each publication (librarians)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.wrappers import Response

from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.domain.errors import NotFound, ServiceError
from catalogue.domain.openaccess import CATEGORIES, STATUSES
from catalogue.models import Record
from catalogue.services.records import publications
from catalogue.services.worklists import WORKLISTS, worklist
from catalogue.web import forms
from schemas.records import OpenAccessOverrideSchema

blp = Blueprint("worklists_pages", __name__, url_prefix="/worklists")
PAGE_SIZE = 50
_CORRECTION = OpenAccessOverrideSchema()


@blp.get("/<name>")
def show(name: str) -> str | tuple[str, int]:
    return worklist_page(name)


def worklist_page(
    name: str, correction: dict[str, Any] | None = None, status: int = 200
) -> tuple[str, int]:
    """One page of a worklist; ``correction`` shows a refused correction again, as typed."""
    if name not in WORKLISTS:
        raise NotFound(f"No worklist {name!r}; there are {', '.join(WORKLISTS)}.")
    page = max(1, request.args.get("page", 1, type=int) or 1)
    days = min(max(request.args.get("days", 30, type=int) or 30, 0), 3650)
    with reader() as session:
        found = worklist(session, name, date.today(), days=days, page=page, size=PAGE_SIZE)
        ids = [item["id"] for item in found["items"]]
        revisions = dict(
            session.execute(select(Record.id, Record.revision).where(Record.id.in_(ids))).all()
        )
    identity = current_identity()
    body = render_template(
        "web/worklist.html",
        name=name,
        found=found,
        revisions=revisions,
        days=days,
        page=page,
        last=max(1, -(-found["total"] // PAGE_SIZE)),
        may_correct=identity.has_role("librarian") and identity.allows("write"),
        statuses=STATUSES,
        categories=CATEGORIES,
        correction=correction or {},
        csv_link=url_for("worklists.Worklist", name=name, format="csv", days=days),
    )
    return body, status


@blp.post("/<name>/correct/<record_id>")
def correct(name: str, record_id: str) -> Response | tuple[str, int]:
    """A librarian's correction of one publication's Open Access status, from the list."""
    identity = current_identity()
    typed = {
        key: (request.form.get(key) or "").strip()
        for key in ("status", "category", "evidence", "note")
    }
    try:
        data = _CORRECTION.load({**typed, "category": typed["category"] or None})
        with transaction() as session:
            publications.override_open_access(
                session, identity, record_id, data, forms.revision(request.form)
            )
    except ValidationError as exc:
        errors = forms.flat_errors(exc.normalized_messages())  # type: ignore[no-untyped-call]
        return worklist_page(name, {"id": record_id, "values": typed, "errors": errors}, 422)
    except ServiceError as exc:
        problem = {"_": [exc.message]}
        return worklist_page(
            name, {"id": record_id, "values": typed, "errors": problem}, exc.status
        )
    return redirect(url_for("worklists_pages.show", name=name, corrected=record_id), code=303)
