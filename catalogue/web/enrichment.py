"""``/enrichment``: staff queue enrichment jobs over what they curate and follow them.

Librarians enrich publications, data stewards datasets, administrators both (as through the
API, with the same rules: a job fills only empty fields and acts for the person who queued
it). Researchers see the jobs they started from a record's form.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from catalogue.adapters.enrichment.jobs import KINDS, queue_job, visible_jobs
from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.domain.errors import Forbidden, NotAuthenticated, ServiceError
from catalogue.models import User
from catalogue.services import permissions

blp = Blueprint("enrichment_pages", __name__, url_prefix="/enrichment")


@blp.get("")
def overview() -> Response | str:
    identity = current_identity()
    if identity.is_anonymous:
        return redirect(url_for("auth.login", next=request.path))
    with reader() as session:
        jobs = visible_jobs(session, identity, limit=50)
        asked_by = {job.requested_by_id for job in jobs}
        names = dict(session.execute(select(User.id, User.name).where(User.id.in_(asked_by))).all())
    return render_template(
        "web/enrichment.html",
        jobs=jobs,
        names=names,
        kinds=[kind for kind in KINDS if permissions.can_enrich(identity, kind)],
        problem=request.args.get("problem"),
        queued=request.args.get("queued", type=int),
    )


@blp.post("")
def queue() -> Response:
    identity = current_identity()
    kind = request.form.get("kind", "")
    try:
        if kind not in KINDS or not permissions.can_enrich(identity, kind):
            raise Forbidden("Librarians enrich publications and data stewards datasets.")
        with transaction() as session:
            user = session.get(User, identity.user_id)
            if user is None:
                raise NotAuthenticated("Log in first.")
            job = queue_job(session, user, kind, refresh=request.form.get("refresh") == "on")
            job_id = job.id
    except ServiceError as exc:
        return redirect(url_for("enrichment_pages.overview", problem=exc.message), code=303)
    return redirect(url_for("enrichment_pages.overview", queued=job_id), code=303)
