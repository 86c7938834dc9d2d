"""Harvests over HTTP: library staff queue them and follow their progress; a worker runs them."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from catalogue.adapters.harvest.jobs import (
    cancel_harvest,
    last_deposit_harvest,
    queue_deposits,
    queue_harvest,
    queue_researchers,
    visible_harvest,
    visible_harvests,
)
from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.api.routing import Blueprint
from catalogue.domain.errors import Forbidden, NotAuthenticated
from catalogue.models import User
from catalogue.services import permissions
from schemas.harvests import HarvestArgsSchema, HarvestCreateSchema, HarvestSchema

blp = Blueprint(
    "harvests",
    __name__,
    url_prefix="/api/harvests",
    description="Bring the institution's works in from OpenAlex, and keep them current.",
)


@blp.route("")
class Harvests(MethodView):
    @blp.arguments(HarvestArgsSchema, location="query")
    @blp.response(200, HarvestSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """The most recent harvests, newest first (library staff see all; others theirs)."""
        identity = current_identity()
        if identity.is_anonymous:
            raise NotAuthenticated("Log in, or send a personal access token.")
        with reader() as session:
            return visible_harvests(session, identity, args["limit"])

    @blp.arguments(HarvestCreateSchema)
    @blp.response(202, HarvestSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Queue a harvest of the works of the institution's authors over a range of years
        (``openalex``), or of the repository's deposits (``oai``: green Open Access evidence
        for the publications they match; changed since the last harvest of it).

        New works are registered and published as found; known ones (matched by DOI, PubMed
        id or OpenAlex id) change only where nobody has edited them since the source last
        said otherwise.  A worker (``catalogue worker``) runs it; follow it at
        ``GET /api/harvests/{id}``.  Librarians and administrators.
        """
        identity = current_identity()
        if not permissions.can_enrich(identity, "publication"):
            raise Forbidden("Librarians harvest publications (with a credential that may write).")
        settings = current_app.extensions["catalogue"].settings
        with transaction() as session:
            user = session.get(User, identity.user_id)
            if user is None:
                raise NotAuthenticated("Log in, or send a personal access token.")
            if data["source"] == "oai":
                url = data.get("url") or settings.repository_oai_url
                chosen = data.get("set") or settings.repository_oai_set or None
                since = data.get("since") or last_deposit_harvest(session, url)
                return queue_deposits(session, user, url, chosen, since)
            if data["source"] == "orcid":
                return queue_researchers(
                    session, user, data.get("orcids"), data["from_year"], data["to_year"]
                )
            rors = data.get("rors") or settings.harvested_rors
            return queue_harvest(
                session, user, data["source"], rors, data["from_year"], data["to_year"]
            )


@blp.route("/<id:job_id>")
class Harvest(MethodView):
    @blp.response(200, HarvestSchema)
    def get(self, job_id: int) -> Any:
        """One harvest: status, progress, counts and the most recent problems."""
        identity = current_identity()
        if identity.is_anonymous:
            raise NotAuthenticated("Log in, or send a personal access token.")
        with reader() as session:
            return visible_harvest(session, identity, job_id)


@blp.route("/<id:job_id>/cancel")
class HarvestCancel(MethodView):
    @blp.response(200, HarvestSchema)
    @blp.alt_response(403, description="Not the person who queued it, nor an administrator")
    @blp.alt_response(409, description="The harvest already ended")
    def post(self, job_id: int) -> Any:
        """Cancel a queued or running harvest or import (who queued it, or an administrator).
        A running one stops after the batch of works it is on: what it took in stays, counted;
        it ends ``cancelled``."""
        identity = current_identity()
        if identity.is_anonymous:
            raise NotAuthenticated("Log in, or send a personal access token.")
        with transaction() as session:
            return cancel_harvest(session, identity, job_id)
