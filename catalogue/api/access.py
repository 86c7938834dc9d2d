"""Access requests: ask for a restricted dataset's data; data stewards decide."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from catalogue.api.context import reader, transaction
from catalogue.api.identity import current_identity
from catalogue.api.routing import Blueprint
from catalogue.services import access
from catalogue.services.records import datasets
from schemas.accounts import (
    AccessDecisionSchema,
    AccessRequestArgsSchema,
    AccessRequestCreateSchema,
    AccessRequestSchema,
    AccessRevokeSchema,
)

blp = Blueprint(
    "access",
    __name__,
    url_prefix="/api",
    description="Ask for the data of restricted or embargoed datasets; data stewards decide.",
)


def grant_terms() -> access.GrantTerms:
    """How long grants last, from the settings (the API and the pages decide alike)."""
    settings = current_app.extensions["catalogue"].settings
    return access.GrantTerms(settings.access_grant_days, settings.access_grant_max_days)


@blp.route("/datasets/<record_id>/access-requests", endpoint="DatasetRequests")
class DatasetRequests(MethodView):
    @blp.arguments(AccessRequestCreateSchema)
    @blp.response(201, AccessRequestSchema)
    @blp.alt_response(409, description="Not restricted, already granted or already pending")
    def post(self, data: dict[str, Any], record_id: str) -> Any:
        """Ask for access, saying what the data will be used for."""
        identity = current_identity()
        with transaction() as session:
            dataset = datasets.read(session, identity, record_id)
            return access.request_access(session, identity, dataset, data["purpose"])


@blp.route("/access-requests")
class Requests(MethodView):
    @blp.arguments(AccessRequestArgsSchema, location="query")
    @blp.response(200, AccessRequestSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Your requests; data stewards see everyone's (``status=pending`` for the queue)."""
        identity = current_identity()
        with reader() as session:
            return access.list_requests(session, identity, args.get("status"))


@blp.route("/access-requests/<id:request_id>")
class Request(MethodView):
    @blp.response(200, AccessRequestSchema)
    def get(self, request_id: int) -> Any:
        """One request and, once decided, the outcome and the steward's note."""
        identity = current_identity()
        with reader() as session:
            return access.get_request(session, identity, request_id)


@blp.route("/access-requests/<id:request_id>/decision")
class Decision(MethodView):
    @blp.arguments(AccessDecisionSchema)
    @blp.response(200, AccessRequestSchema)
    @blp.alt_response(409, description="Already decided")
    def post(self, data: dict[str, Any], request_id: int) -> Any:
        """Approve (until a day: a year by default) or deny (data stewards); a denial needs
        a note for the requester."""
        identity = current_identity()
        with transaction() as session:
            return access.decide(
                session, identity, request_id, data["decision"], data["note"], data["until"],
                grant_terms(),
            )  # fmt: skip


@blp.route("/access-requests/<id:request_id>/revoke")
class Revoke(MethodView):
    @blp.arguments(AccessRevokeSchema)
    @blp.response(200, AccessRequestSchema)
    @blp.alt_response(409, description="Not a grant that still gives access")
    def post(self, data: dict[str, Any], request_id: int) -> Any:
        """End a grant before its last day (data stewards): its links stop showing at once;
        audited on the dataset. The requester may ask again."""
        identity = current_identity()
        with transaction() as session:
            return access.revoke(session, identity, request_id, data["note"])
