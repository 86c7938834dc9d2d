"""``/api/datasets`` and ``/api/publications``: thin HTTP resources over the record service."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from marshmallow import Schema

from catalogue.adapters.enrichment.jobs import queue_for_record
from catalogue.api.context import db, etag_headers, reader, require_if_match, transaction
from catalogue.api.identity import current_identity
from catalogue.api.routing import Blueprint, revision_checked
from catalogue.api.search import backend, render
from catalogue.domain import clock
from catalogue.domain.errors import NotAuthenticated, ServiceError
from catalogue.models import Dataset, Distribution, Record
from catalogue.services import access
from catalogue.services.fair import assess_draft
from catalogue.services.intake import merge_duplicate
from catalogue.services.permissions import data_access
from catalogue.services.records import RecordService, datasets, publications
from catalogue.services.search import search_records
from schemas.accounts import EditorAddSchema, EditorSchema
from schemas.enrichment import EnrichmentJobSchema
from schemas.records import (
    AuditEventSchema,
    DatasetSchema,
    DraftCheckResultSchema,
    DraftCheckSchema,
    FairAssessmentSchema,
    MergeSchema,
    OpenAccessOverrideSchema,
    PublicationSchema,
    WithdrawSchema,
)
from schemas.search import SearchArgsSchema, SearchPageSchema


class _Shown:
    """A record as this caller sees it: with the API's links, and without links to data the
    caller may not use; everything else reads through to the record."""

    def __init__(self, record: Record, endpoint: str) -> None:
        self._record = record
        rid = record.id
        self.links = {
            "self": url_for(f"{endpoint}.Item", record_id=rid, _external=True),
            "versions": url_for(f"{endpoint}.Versions", record_id=rid, _external=True),
            "history": url_for(f"{endpoint}.History", record_id=rid, _external=True),
            "publish": url_for(f"{endpoint}.Publish", record_id=rid, _external=True),
            "withdraw": url_for(f"{endpoint}.Withdraw", record_id=rid, _external=True),
            "editors": url_for(f"{endpoint}.Editors", record_id=rid, _external=True),
        }
        if isinstance(record, Dataset):
            self._hide_data_unless_allowed(record)

    def _hide_data_unless_allowed(self, dataset: Dataset) -> None:
        reason = data_access(current_identity(), dataset, clock.today())
        request_url = None
        if reason is None:
            self.distributions = [
                SimpleNamespace(
                    **{c.key: getattr(item, c.key) for c in Distribution.__table__.columns},
                )
                for item in dataset.distributions
            ]
            for item in self.distributions:
                item.access_url = item.download_url = None
            if dataset.access_right_id != "metadata-only" and dataset.status == "published":
                request_url = url_for(
                    "access.DatasetRequests", record_id=dataset.id, _external=True
                )
        self.data_access = {
            "links_shown": reason is not None,
            "reason": reason or dataset.access_right_id,
            "request_access": request_url,
        }

    def __getattr__(self, name: str) -> Any:
        return getattr(self._record, name)


_WIRE = {
    "dataset": (DatasetSchema(), "datasets"),
    "publication": (PublicationSchema(), "publications"),
}


def as_the_api_shows(record: Record) -> dict[str, Any]:
    """``record`` in its wire form exactly as ``GET /api/{kind}/{id}`` answers this caller
    (links to data the caller may not use are null): what the web pages show too."""
    schema, endpoint = _WIRE[record.kind]
    shown: dict[str, Any] = schema.dump(_Shown(record, endpoint))
    return shown


class _AuditShown:
    def __init__(self, event: Any) -> None:
        self._event = event
        self.actor_name = event.actor.name if event.actor else None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._event, name)


def record_blueprint(
    name: str, service: RecordService[Any], schema: type[Schema], noun: str
) -> Blueprint:
    blp = Blueprint(
        name,
        __name__,
        url_prefix=f"/api/{name}",
        description=f"Register, publish, version and withdraw {noun}s.",
    )

    def shown(record: Record) -> _Shown:
        return _Shown(record, name)

    @blp.route("")
    class Collection(MethodView):
        @blp.arguments(SearchArgsSchema(exclude=("kind",)), location="query")
        @blp.response(200, SearchPageSchema)
        def get(self, args: dict[str, Any]) -> Response:
            """List and search: the current published versions by default.

            The same parameters as ``/api/search``: free text, filters, facets, sorting and
            paging; ``status`` and ``owner=me`` show drafts and withdrawn records you may see.
            """
            args = {**args, "kind": [service.kind]}
            return render(search_records(backend(), current_identity(), args), args)

        @blp.arguments(schema)
        @blp.response(201, schema, headers={"ETag": {"description": "The revision"}})
        @blp.alt_response(401, description="Not logged in")
        @blp.alt_response(409, description="The DOI is already registered")
        def post(self, data: dict[str, Any]) -> Any:
            """Create a draft."""
            identity = current_identity()
            with transaction() as session:
                record = service.create(session, identity, data)
                body = shown(record)
                headers = etag_headers(record)
                headers["Location"] = body.links["self"]
                return body, 201, headers

    @blp.route("/<record_id>", endpoint="Item")
    class Item(MethodView):
        @blp.response(200, schema)
        @blp.alt_response(404, description="No such record, or not visible to you")
        def get(self, record_id: str) -> Any:
            """Read a record (a withdrawn record answers with its tombstone)."""
            identity = current_identity()
            with reader() as session:
                record = service.read(session, identity, record_id)
                return shown(record), 200, etag_headers(record)

        @blp.arguments(schema)
        @blp.response(200, schema)
        @revision_checked(blp)
        def put(self, data: dict[str, Any], record_id: str) -> Any:
            """Replace the metadata of a record.  Send the revision you read in If-Match."""
            expected = require_if_match()
            identity = current_identity()
            with transaction() as session:
                record = service.update(session, identity, record_id, data, expected)
                return shown(record), 200, etag_headers(record)

        @blp.response(204)
        @revision_checked(blp)
        def delete(self, record_id: str) -> Response:
            """Discard a draft that was never published."""
            expected = require_if_match()
            identity = current_identity()
            with transaction() as session:
                service.discard(session, identity, record_id, expected)
            return Response(status=204)

    @blp.route("/<record_id>/publish", endpoint="Publish")
    class Publish(MethodView):
        @blp.response(200, schema)
        @blp.alt_response(422, description="Fields needed to publish are missing")
        @revision_checked(blp)
        def post(self, record_id: str) -> Any:
            """Publish a draft (checks the fields a published record needs)."""
            expected = require_if_match()
            identity = current_identity()
            with transaction() as session:
                record = service.publish(session, identity, record_id, expected)
                return shown(record), 200, etag_headers(record)

    @blp.route("/<record_id>/versions", endpoint="Versions")
    class Versions(MethodView):
        @blp.response(200, schema(many=True))
        def get(self, record_id: str) -> Any:
            """All versions of the work this record is a version of, oldest first."""
            identity = current_identity()
            with reader() as session:
                return [shown(r) for r in service.versions(session, identity, record_id)]

        @blp.response(201, schema)
        @blp.alt_response(
            409, description="A version draft is already open, or was started at the same moment"
        )
        def post(self, record_id: str) -> Any:
            """Start a new version: a draft copy of this published record, without its DOI."""
            identity = current_identity()
            with transaction() as session:
                record = service.new_version(session, identity, record_id)
                body = shown(record)
                headers = etag_headers(record)
                headers["Location"] = body.links["self"]
                return body, 201, headers

    @blp.route("/<record_id>/enrich", endpoint="Enrich")
    class Enrich(MethodView):
        @blp.response(202, EnrichmentJobSchema)
        @blp.alt_response(409, description="The record has no DOI, or is withdrawn")
        def post(self, record_id: str) -> Any:
            """Fill this record's empty fields from its DOI, in the background.

            Queues an enrichment job for this record alone (publications: Crossref, Unpaywall,
            OpenAlex; datasets: DataCite and whether the DOI resolves). Only empty fields are
            filled; follow the job at ``GET /api/enrichment/jobs/{id}``, then read the record.
            """
            identity = current_identity()
            with transaction() as session:
                record = service.read(session, identity, record_id)
                return queue_for_record(session, identity, record)

    @blp.route("/<record_id>/withdraw", endpoint="Withdraw")
    class Withdraw(MethodView):
        @blp.arguments(WithdrawSchema)
        @blp.response(200, schema)
        @blp.alt_response(409, description="Only published records can be withdrawn")
        @revision_checked(blp)
        def post(self, data: dict[str, Any], record_id: str) -> Any:
            """Withdraw a published record; its metadata stays as a tombstone with the reason."""
            expected = require_if_match()
            identity = current_identity()
            with transaction() as session:
                record = service.withdraw(session, identity, record_id, data["reason"], expected)
                return shown(record), 200, etag_headers(record)

    @blp.route("/<record_id>/editors", endpoint="Editors")
    class Editors(MethodView):
        @blp.response(200, EditorSchema(many=True))
        def get(self, record_id: str) -> Any:
            """The co-editors of this work (they may edit every version, as the owner may)."""
            identity = current_identity()
            with reader() as session:
                return access.editors(session, identity, service.read(session, identity, record_id))

        @blp.arguments(EditorAddSchema)
        @blp.response(201, EditorSchema)
        @blp.alt_response(409, description="Already an editor")
        def post(self, data: dict[str, Any], record_id: str) -> Any:
            """Add a co-editor, named by the email or ORCID iD they log in with (owner only)."""
            identity = current_identity()
            with transaction() as session:
                record = service.read(session, identity, record_id)
                return access.add_editor(
                    session, identity, record, data.get("email"), data.get("orcid")
                )

    @blp.route("/<record_id>/editors/<id:user_id>", endpoint="Editor")
    class Editor(MethodView):
        @blp.response(204)
        def delete(self, record_id: str, user_id: int) -> Response:
            """Remove a co-editor (owner only)."""
            identity = current_identity()
            with transaction() as session:
                record = service.read(session, identity, record_id)
                access.remove_editor(session, identity, record, user_id)
            return Response(status=204)

    @blp.route("/<record_id>/history", endpoint="History")
    class History(MethodView):
        @blp.response(200, AuditEventSchema(many=True))
        def get(self, record_id: str) -> Any:
            """The audit trail of this record: who changed what, and when."""
            identity = current_identity()
            with reader() as session:
                return [_AuditShown(e) for e in service.history(session, identity, record_id)]

    return blp


datasets_blp = record_blueprint("datasets", datasets, DatasetSchema, "dataset")
publications_blp = record_blueprint("publications", publications, PublicationSchema, "publication")


@datasets_blp.route("/<record_id>/fair", endpoint="Fair")
class Fair(MethodView):
    @datasets_blp.response(200, FairAssessmentSchema)
    def get(self, record_id: str) -> Any:
        """The FAIR assessment of this dataset: scores per F, A, I, R, the essential RDA
        indicators met, and a hint naming the field to fix for each failed test."""
        identity = current_identity()
        with reader() as session:
            dataset = datasets.read(session, identity, record_id)
            assert isinstance(dataset, Dataset)
            return {**(dataset.fair_assessment or {}), "assessed_at": dataset.fair_assessed_at}


@datasets_blp.route("/check", endpoint="Check")
class Check(MethodView):
    @datasets_blp.arguments(DraftCheckSchema)
    @datasets_blp.response(200, DraftCheckResultSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Check a dataset being edited without saving it: the field errors a save would
        give, and its FAIR assessment (for the editor to show as the person types)."""
        identity = current_identity()
        if identity.is_anonymous:
            raise NotAuthenticated("Log in to check a draft.")
        schema = DatasetSchema()
        errors: dict[str, Any] = schema.validate(body)
        if not errors:
            # What only saving can tell (vocabulary terms, a DOI registered before): save in a
            # transaction that is always rolled back.
            trial = db().new_session()
            try:
                datasets.create(trial, identity, schema.load(body))
            except ServiceError as refusal:
                errors = (refusal.errors or {}).get("json") or {"_schema": [refusal.message]}
            finally:
                trial.rollback()
                trial.close()
        return {"valid": not errors, "errors": errors or None, "fair": assess_draft(body)}


@publications_blp.route("/<record_id>/merge", endpoint="Merge")
class Merge(MethodView):
    @publications_blp.arguments(MergeSchema)
    @publications_blp.response(200, PublicationSchema)
    @publications_blp.alt_response(409, description="Not two published, distinct works")
    @revision_checked(publications_blp)
    def post(self, data: dict[str, Any], record_id: str) -> Any:
        """Merge a duplicate into this publication (librarians; ``If-Match`` of this one).

        The duplicate is withdrawn with a reason naming this record; its tombstone, DOI and
        history stay, and both audit trails say so. Harvests and imports that find the
        duplicate (by its DOI or other identifiers) find this record from now on. This
        record's metadata is not changed: compare and correct it yourself.
        """
        expected = require_if_match()
        identity = current_identity()
        with transaction() as session:
            record = merge_duplicate(session, identity, record_id, data["duplicate"], expected)
            return _Shown(record, "publications"), 200, etag_headers(record)


@publications_blp.route("/<record_id>/open-access", endpoint="OpenAccess")
class OpenAccessOverride(MethodView):
    @publications_blp.arguments(OpenAccessOverrideSchema)
    @publications_blp.response(200, PublicationSchema)
    @revision_checked(publications_blp)
    def put(self, data: dict[str, Any], record_id: str) -> Any:
        """Correct the computed Open Access status, with evidence and a note (librarians).

        The computed classification stays beside the correction (``open_access.computed``).
        """
        expected = require_if_match()
        identity = current_identity()
        with transaction() as session:
            record = publications.override_open_access(session, identity, record_id, data, expected)
            return _Shown(record, "publications"), 200, etag_headers(record)

    @publications_blp.response(200, PublicationSchema)
    @revision_checked(publications_blp)
    def delete(self, record_id: str) -> Any:
        """Remove the correction: the computed status applies again (librarians)."""
        expected = require_if_match()
        identity = current_identity()
        with transaction() as session:
            record = publications.override_open_access(session, identity, record_id, None, expected)
            return _Shown(record, "publications"), 200, etag_headers(record)
