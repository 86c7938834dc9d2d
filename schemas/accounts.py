"""The wire format of users, roles, personal access tokens, co-editors and access requests."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from catalogue.domain.terms import ROLES, SCOPES, SECURITY_EVENTS
from schemas.identifiers import ORCID
from schemas.records import JsonBoolean, StrictSchema, non_blank


class UserSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String(allow_none=True)
    orcid = fields.String(allow_none=True)
    roles = fields.List(fields.String())
    active = fields.Boolean()
    created_at = fields.DateTime()
    last_login_at = fields.DateTime(allow_none=True)


class MeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    roles = fields.List(fields.String())
    scopes = fields.List(fields.String(), metadata={"description": "What this credential allows"})


class UserUpdateSchema(StrictSchema):
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)),
        metadata={"description": "The roles an administrator grants (provider roles stay)"},
    )
    active = JsonBoolean(metadata={"description": "false disables the account"})


class TokenCreateSchema(StrictSchema):
    name = fields.String(required=True, validate=non_blank(100))
    scopes = fields.List(
        fields.String(validate=validate.OneOf(SCOPES)),
        load_default=lambda: ["read"],
        metadata={"description": "read (always), write, admin"},
    )
    expires_in_days = fields.Integer(
        load_default=90,
        validate=validate.Range(min=1),
        metadata={"description": "Days until the token expires (at most the configured maximum)"},
    )


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String(metadata={"description": "The token's first characters"})
    scopes = fields.List(fields.String())
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    last_used_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class LoginSessionSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    person = fields.String(attribute="user.name")
    via = fields.String(
        metadata={"description": "How the person logged in: sso, development login"}
    )
    ip = fields.String(allow_none=True, metadata={"description": "The address it began from"})
    user_agent = fields.String(allow_none=True, metadata={"description": "The browser it began in"})
    created_at = fields.DateTime()
    last_seen_at = fields.DateTime(
        metadata={"description": "Its last request, to the minute; idle for the session "
                  "lifetime, it ends"}
    )  # fmt: skip
    current = fields.Boolean(
        metadata={"description": "Whether this request came with this session"}
    )


class SessionArgsSchema(Schema):
    user = fields.Integer(
        validate=validate.Range(min=1), metadata={"description": "Only this person's sessions"}
    )
    size = fields.Integer(
        load_default=100,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "At most this many, the most recently used first"},
    )


class EndedSessionsSchema(Schema):
    ended = fields.Integer(metadata={"description": "How many sessions ended"})


class NewTokenSchema(TokenSchema):
    token = fields.String(metadata={"description": "The secret: shown this once, never again"})


class SecurityEventSchema(Schema):
    id = fields.Integer()
    action = fields.String(metadata={"description": "The kind: " + ", ".join(SECURITY_EVENTS)})
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    details = fields.Dict(attribute="changes")


class SecurityEventArgsSchema(StrictSchema):
    kind = fields.List(
        fields.String(validate=validate.OneOf(SECURITY_EVENTS)),
        load_default=list,
        validate=validate.Length(max=len(SECURITY_EVENTS)),
        metadata={"description": "Only these kinds (repeat the parameter for several)"},
    )
    person = fields.Integer(
        validate=validate.Range(min=1), metadata={"description": "Only what this user did (id)"}
    )
    since = fields.Date(metadata={"description": "From this day on (UTC)"})
    until = fields.Date(metadata={"description": "Up to and including this day (UTC)"})
    after = fields.Integer(
        validate=validate.Range(min=1),
        metadata={
            "description": "The next page: events older than this id (the Link header's "
            "rel=next gives it)"
        },
    )
    size = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(("json", "csv")),
        metadata={"description": "csv: every matching event (no paging), for a spreadsheet"},
    )

    @validates_schema
    def _days(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("Must not be after 'until'.", "since")


class EditorAddSchema(StrictSchema):
    """Name the co-editor by the email or ORCID iD they log in with."""

    email = fields.Email(validate=validate.Length(max=255))
    orcid = ORCID()

    @validates_schema
    def _one_of(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("email" in data) == ("orcid" in data):
            raise ValidationError("Give either email or orcid.", field_name="email")


class EditorSchema(Schema):
    user_id = fields.Integer()
    name = fields.String(attribute="user.name")
    added_at = fields.DateTime()


class AccessRequestCreateSchema(StrictSchema):
    purpose = fields.String(
        required=True,
        validate=non_blank(5000, min_length=20),
        metadata={"description": "What the data will be used for (at least 20 characters)"},
    )


class AccessDecisionSchema(StrictSchema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "deny")))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    until = fields.Date(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Approving: the last day of access (default: a year from today, "
            "CATALOGUE_ACCESS_GRANT_DAYS; at most CATALOGUE_ACCESS_GRANT_MAX_DAYS)"
        },
    )

    @validates_schema
    def _note_on_denial(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("decision") == "deny" and not (data.get("note") or "").strip():
            raise ValidationError("Say why the request is denied.", field_name="note")


class AccessRequestSchema(Schema):
    id = fields.Integer()
    record_id = fields.String()
    concept_id = fields.String()
    requester = fields.String(attribute="requester.name")
    requester_id = fields.Integer()
    purpose = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)
    decided_by = fields.String(attribute="decided_by.name", allow_none=True)
    decision_note = fields.String(allow_none=True)
    valid_until = fields.Date(
        allow_none=True, metadata={"description": "A grant's last day of access"}
    )
    revoked_at = fields.DateTime(allow_none=True)


class AccessRevokeSchema(StrictSchema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class AccessRequestArgsSchema(StrictSchema):
    status = fields.String(validate=validate.OneOf(("pending", "approved", "denied", "revoked")))
