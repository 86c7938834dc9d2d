"""Registering and editing records in the browser: the record form, save and publish, the
live FAIR panel, and what happens when someone else saved first (412).

The form posts plain fields (``catalogue.web.forms`` maps them to the API's body); the body is
loaded by the API's schema and saved by the record service, so the rules and the error
messages are the API's, shown next to their fields. Nothing typed is lost: every refusal
shows the form again with what was sent.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from catalogue.adapters.enrichment.jobs import queue_for_record
from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.api.records import as_the_api_shows
from catalogue.domain.errors import InvalidInput, PreconditionFailed, ServiceError
from catalogue.models import AccessRight, Department, EnrichmentJob, Record, ResourceType, Theme
from catalogue.services import permissions
from catalogue.services.fair import assess_draft
from catalogue.services.records import RecordService, datasets, publications, read_any
from catalogue.web import forms
from catalogue.web.pages import record_page
from schemas.records import DatasetSchema, PublicationSchema
from schemas.vocabularies import RELATION_TYPES

blp = Blueprint("editor", __name__, url_prefix="/records")
COMMON_LICENCES = (
    "CC-BY-4.0",
    "CC0-1.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "ODbL-1.0",
    "ODC-By-1.0",
    "PDDL-1.0",
    "MIT",
    "Apache-2.0",
    "GPL-3.0-or-later",
    "BSD-3-Clause",
)

SERVICES: dict[str, tuple[RecordService[Any], Schema]] = {
    "dataset": (datasets, DatasetSchema()),
    "publication": (publications, PublicationSchema()),
}


def _login_first() -> Response | None:
    if current_identity().is_anonymous:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


def _choices(kind: str) -> dict[str, Any]:
    """The terms the form offers (retired ones are not offered for new use)."""
    with reader() as session:
        return {
            "themes": session.execute(
                select(Theme.id, Theme.label).where(Theme.retired.is_(False)).order_by(Theme.label)
            ).all(),
            "departments": session.execute(
                select(Department.id, Department.label)
                .where(Department.retired.is_(False))
                .order_by(Department.label)
            ).all(),
            # The licences research data and articles mostly use; any SPDX id may be typed.
            "licences": COMMON_LICENCES,
            "resource_types": session.execute(
                select(ResourceType.id, ResourceType.label)
                .where(ResourceType.kind == kind)
                .order_by(ResourceType.label)
            ).all(),
            "access_rights": session.execute(select(AccessRight.id, AccessRight.label)).all(),
            "relation_types": [(name, name) for name in RELATION_TYPES],
        }


def _form_page(
    kind: str,
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    *,
    record: dict[str, Any] | None = None,
    revision: int | None = None,
    conflict: dict[str, Any] | None = None,
    status: int = 200,
    message: str = "",
    job: EnrichmentJob | None = None,
) -> tuple[str, int]:
    # A form that was posted shows the rows it had (an empty last row included), plus one
    # for the group whose "Add" button was pressed; a fresh form offers one empty row.
    added = values.pop("_add", None)
    posted = request.method == "POST"
    extra = {
        group: forms.row_count(values, group, extra=int(group == added) if posted else 1)
        for group in forms.KIND_GROUPS[kind]
    }
    fair = (
        assess_draft(forms.body_from_form(_as_multidict(values), kind))
        if kind == "dataset"
        else None
    )
    body = render_template(
        "web/record_form.html",
        kind=kind,
        values=values,
        errors=errors or {},
        record=record,
        revision=revision,
        conflict=conflict,
        rows=extra,
        choices=_choices(kind),
        fair=fair,
        message=message,
        job=job,
    )
    return body, status


def _as_multidict(values: dict[str, Any]) -> MultiDict[str, str]:
    pairs: list[tuple[str, str]] = []
    for key, value in values.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, str(item)))
    return MultiDict(pairs)


def _more_rows(values: dict[str, Any]) -> dict[str, Any] | None:
    """ "Add a row" buttons: show the form again with one more empty row, saving nothing."""
    action = request.form.get("action", "")
    if action.startswith("add-") and action[4:] in forms.GROUPS:
        values["_add"] = action[4:]
        return values
    return None


@blp.route("/new", methods=["GET", "POST"])
def new() -> Response | tuple[str, int]:
    if (login := _login_first()) is not None:
        return login
    kind = request.args.get("kind", "dataset")
    if kind not in SERVICES:
        kind = "dataset"
    if request.method == "GET":
        # The API's defaults: a dataset is a Dataset, a publication a JournalArticle, open data.
        defaults = {"resource_type": "Dataset" if kind == "dataset" else "JournalArticle"}
        if kind == "dataset":
            defaults["access_right"] = "open"
        return _form_page(kind, defaults)
    values = forms.form_values(request.form)
    if _more_rows(values) is not None:
        return _form_page(kind, values)
    service, schema = SERVICES[kind]
    action = request.form.get("action")
    try:
        body = forms.body_from_form(request.form, kind)
        provisional = action == "fill" and not body.get("title") and bool(body.get("doi"))
        if provisional:
            body["title"] = body["doi"]  # until the DOI's metadata fills it (see fill.py)
        data = schema.load(body)
        if provisional:
            data["title"] = data["doi"]
        with transaction() as session:
            record = service.create(session, current_identity(), data, publish=action == "publish")
            record_id = record.id
            job_id = _fill_from_doi(session, record) if action == "fill" else None
    except ValidationError as exc:
        return _refused(kind, values, exc.normalized_messages())  # type: ignore[no-untyped-call]
    except ServiceError as exc:
        return _refused(kind, values, (exc.errors or {}).get("json") or {}, exc)
    if job_id is not None:
        return redirect(url_for("editor.edit", record_id=record_id, job=job_id), code=303)
    return redirect(url_for("web.record", record_id=record_id), code=303)


def _fill_from_doi(session: Session, record: Record) -> int:
    """Queue the enrichment job that fills the record's empty fields from its DOI, in the
    same transaction as the save: the job exists exactly when the save does."""
    if not record.doi:
        raise InvalidInput({"doi": [_("Type the DOI to fill the record from.")]})
    return queue_for_record(session, current_identity(), record).id


def _followed_job(record_id: str) -> EnrichmentJob | None:
    """The enrichment job named by ``?job=``, when it is this person's and about this record."""
    job_id = request.args.get("job", type=int)
    if job_id is None:
        return None
    with reader() as session:
        job = session.get(EnrichmentJob, job_id)
        if job is None or job.requested_by_id != current_identity().user_id:
            return None
        return job if record_id in (job.record_ids or []) else None


def _refused(
    kind: str,
    values: dict[str, Any],
    tree: dict[str, Any],
    exc: ServiceError | None = None,
    **extra: Any,
) -> tuple[str, int]:
    errors = forms.flat_errors(tree)
    message = (
        _("Not saved: see the fields marked below.") if errors else (exc.message if exc else "")
    )
    return _form_page(
        kind, values, errors, status=exc.status if exc else 422, message=message, **extra
    )


@blp.route("/<record_id>/edit", methods=["GET", "POST"])
def edit(record_id: str) -> Response | tuple[str, int]:
    if (login := _login_first()) is not None:
        return login
    identity = current_identity()
    with reader() as session:
        found = read_any(session, identity, record_id)
        if not permissions.can_edit(identity, found):
            return _form_page(
                found.kind, {}, status=403, message=_("Only the record's editors may change it.")
            )
        current = as_the_api_shows(found)
    kind = current["kind"]
    if request.method == "GET":
        return _form_page(
            kind,
            forms.form_from_record(current, kind),
            record=current,
            revision=current["revision"],
            job=_followed_job(record_id),
        )
    values = forms.form_values(request.form)
    revision = forms.revision(request.form)
    if _more_rows(values) is not None:
        return _form_page(kind, values, record=current, revision=revision)
    service, schema = SERVICES[kind]
    try:
        body = forms.body_from_form(request.form, kind)
        data = schema.load(body)
        action = request.form.get("action")
        job_id = None
        with transaction() as session:
            record = service.update(session, identity, record_id, data, revision)
            if action == "publish" and record.status == "draft":
                service.publish(session, identity, record_id, record.revision)
            if action == "fill":
                job_id = _fill_from_doi(session, record)
    except PreconditionFailed:
        # Someone saved in between: keep what this person typed, say what differs, and let
        # the next save (against the revision now shown) decide knowingly.
        differs = _fields_that_differ(body, current, schema)
        return _form_page(
            kind,
            values,
            record=current,
            revision=current["revision"],
            conflict={"revision": current["revision"], "fields": differs},
            status=412,
            message=_("Someone else saved this record while you were editing it."),
        )
    except ValidationError as exc:
        problems = exc.normalized_messages()  # type: ignore[no-untyped-call]
        return _refused(kind, values, problems, record=current, revision=revision)
    except ServiceError as exc:
        tree = (exc.errors or {}).get("json") or {}
        return _refused(kind, values, tree, exc, record=current, revision=revision)
    if job_id is not None:
        return redirect(url_for("editor.edit", record_id=record_id, job=job_id), code=303)
    return redirect(url_for("web.record", record_id=record_id), code=303)


def _fields_that_differ(mine: dict[str, Any], theirs: dict[str, Any], schema: Schema) -> list[str]:
    """Top-level fields where the saved record now differs from what this person sent."""
    try:
        loaded = schema.dump(schema.load(mine))
    except ValidationError:
        loaded = mine
    return sorted(
        name for name, value in loaded.items() if name in mine and theirs.get(name) != value
    )


@blp.post("/check")
def check() -> str:
    """The live FAIR panel: the form as it is now, assessed without saving (datasets)."""
    body = forms.body_from_form(request.form, "dataset")
    return render_template("web/_fair_panel.html", fair=assess_draft(body), live=True)


@blp.post("/<record_id>/new-version")
def new_version(record_id: str) -> Response | tuple[str, int]:
    """Start the next version of a published record: a draft copy, opened for editing."""
    if (login := _login_first()) is not None:
        return login
    identity = current_identity()
    with reader() as session:
        kind = read_any(session, identity, record_id).kind
    service, _schema = SERVICES[kind]
    try:
        with transaction() as session:
            draft_id = service.new_version(session, identity, record_id).id
    except ServiceError as exc:
        return record_page(record_id, status=exc.status, notice=exc.message)
    return redirect(url_for("editor.edit", record_id=draft_id), code=303)


@blp.post("/<record_id>/withdraw")
def withdraw(record_id: str) -> Response | tuple[str, int]:
    """Withdraw a published record with a reason: its page becomes a tombstone (410)."""
    if (login := _login_first()) is not None:
        return login
    identity = current_identity()
    reason = (request.form.get("reason") or "").strip()
    with reader() as session:
        kind = read_any(session, identity, record_id).kind
    service, _schema = SERVICES[kind]
    try:
        if not reason:
            raise InvalidInput({"reason": [_("Say why it is withdrawn: readers will see it.")]})
        with transaction() as session:
            service.withdraw(session, identity, record_id, reason, forms.revision(request.form))
    except ServiceError as exc:
        problem = " ".join((exc.errors or {}).get("json", {}).get("reason", [])) or exc.message
        return record_page(record_id, status=exc.status, notice=problem)
    return redirect(url_for("web.record", record_id=record_id), code=303)
