"""Enrichment jobs over HTTP: staff queue them and follow their progress; a worker runs them."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from catalogue.adapters.enrichment.jobs import cancel_job, queue_job, visible_job, visible_jobs
from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.api.routing import Blueprint
from catalogue.domain.errors import Forbidden, NotAuthenticated
from catalogue.models import User
from catalogue.services import permissions
from schemas.enrichment import (
    EnrichmentJobArgsSchema,
    EnrichmentJobCreateSchema,
    EnrichmentJobSchema,
)

blp = Blueprint(
    "enrichment",
    __name__,
    url_prefix="/api/enrichment",
    description="Fill empty fields and gather Open Access evidence and network FAIR checks "
    "from Crossref, Unpaywall, OpenAlex, DataCite and doi.org, in background jobs.",
)


@blp.route("/jobs")
class Jobs(MethodView):
    @blp.arguments(EnrichmentJobArgsSchema, location="query")
    @blp.response(200, EnrichmentJobSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """The most recent jobs you may follow, newest first: those you asked for, and as
        staff those of what you curate (librarians: publications; data stewards: datasets;
        administrators: all)."""
        identity = current_identity()
        if identity.is_anonymous:
            raise NotAuthenticated("Log in, or send a personal access token.")
        with reader() as session:
            return visible_jobs(session, identity, args["limit"])

    @blp.arguments(EnrichmentJobCreateSchema)
    @blp.response(202, EnrichmentJobSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Queue a job over every record of a kind with a DOI (or the listed ones).

        It fills only empty fields, never what a person entered, and acts for you: a
        librarian's job fills only the Open Access fields of other people's publications.
        A worker (``catalogue worker``) runs it; follow it at ``GET /api/enrichment/jobs/{id}``.
        """
        identity = current_identity()
        if not permissions.can_enrich(identity, data["kind"]):
            raise Forbidden(
                "Librarians enrich publications and data stewards datasets "
                "(with a credential that may write)."
            )
        with transaction() as session:
            user = session.get(User, identity.user_id)
            if user is None:
                raise NotAuthenticated("Log in, or send a personal access token.")
            return queue_job(
                session,
                user,
                data["kind"],
                data.get("record_ids"),
                data.get("sources"),
                data["refresh"],
            )


@blp.route("/jobs/<id:job_id>")
class Job(MethodView):
    @blp.response(200, EnrichmentJobSchema)
    def get(self, job_id: int) -> Any:
        """One job: status, progress, changes and the most recent problems."""
        identity = current_identity()
        if identity.is_anonymous:
            raise NotAuthenticated("Log in, or send a personal access token.")
        with reader() as session:
            return visible_job(session, identity, job_id)


@blp.route("/jobs/<id:job_id>/cancel")
class JobCancel(MethodView):
    @blp.response(200, EnrichmentJobSchema)
    @blp.alt_response(403, description="Not the person who queued it, nor an administrator")
    @blp.alt_response(409, description="The job already ended")
    def post(self, job_id: int) -> Any:
        """Cancel a queued or running job (who queued it, or an administrator). A running job
        stops after the record it is on: what it saved stays, counted; it ends ``cancelled``."""
        identity = current_identity()
        if identity.is_anonymous:
            raise NotAuthenticated("Log in, or send a personal access token.")
        with transaction() as session:
            return cancel_job(session, identity, job_id)
