"""File imports over HTTP: a dry run answers at once; the import itself is a worker's job."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Response, request
from flask.views import MethodView

from catalogue.adapters.harvest.jobs import queue_import
from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.api.routing import Blueprint
from catalogue.domain.errors import Forbidden, InvalidInput, NotAuthenticated
from catalogue.models import User
from catalogue.services import imports, permissions
from catalogue.services.intake import OUTCOMES
from catalogue.services.permissions import Identity
from schemas.harvests import HarvestSchema, ImportArgsSchema, ImportReportSchema

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/api/imports",
    description="Publications from files: CSV from the research information system, RIS and "
    "BibTeX from reference managers.  Try a file with a dry run first.",
)

_MEDIA_TYPES = (
    "text/csv",
    "application/x-research-info-systems",
    "application/x-bibtex",
    "text/plain",
)
_FILE = {
    "requestBody": {
        "required": True,
        "description": "The file itself (UTF-8), as the request body",
        "content": {media_type: {"schema": {"type": "string"}} for media_type in _MEDIA_TYPES},
    }
}


def _staff() -> Identity:
    identity = current_identity()
    if not permissions.can_enrich(identity, "publication"):
        raise Forbidden("Librarians import publications (with a credential that may write).")
    return identity


def _file() -> str:
    try:
        text = request.get_data(cache=False).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput({"file": ["Not UTF-8 text: save the file as UTF-8."]}) from exc
    if not text.strip():
        raise InvalidInput({"file": ["Send the file as the request body."]})
    return text


@blp.route("")
class Imports(MethodView):
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.doc(**_FILE)
    @blp.response(202, HarvestSchema)
    def post(self, args: dict[str, Any]) -> Any:
        """Queue the import of a file; a worker runs it (follow it at ``/api/harvests/{id}``).

        New works are registered and published as found; known ones (matched by DOI or
        PubMed id) change only where nobody has edited them.  Librarians and administrators.
        """
        identity = _staff()
        text = _file()
        with transaction() as session:
            user = session.get(User, identity.user_id)
            if user is None:
                raise NotAuthenticated("Log in, or send a personal access token.")
            return queue_import(session, user, args["format"], text, args["name"])


@blp.route("/dry-run")
class DryRun(MethodView):
    @blp.arguments(ImportArgsSchema, location="query")
    @blp.doc(**_FILE)
    @blp.response(200, ImportReportSchema)
    def post(self, args: dict[str, Any]) -> Any:
        """What importing the file would do, work by work, with nothing saved: created,
        updated, unchanged, conflicts (a person's value kept) and failures by line and field."""
        identity = _staff()
        text = _file()
        with reader() as session:
            outcomes = imports.dry_run(session, identity, args["format"], text)
        counted = Counter(outcome.action for outcome in outcomes)
        return {
            "format": args["format"],
            "counts": {action: counted[action] for action in OUTCOMES},
            "outcomes": outcomes,
        }


@blp.route("/template.csv")
class Template(MethodView):
    @blp.doc(responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
    def get(self) -> Any:
        """The CSV template: every column the import reads, and an example row."""
        return Response(
            imports.template(),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="publications-import.csv"'},
        )
