"""The wire format of enrichment jobs."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from catalogue.domain.terms import SOURCES
from schemas.records import JsonBoolean, StrictSchema


class EnrichmentJobCreateSchema(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(("publication", "dataset")))
    record_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=16)),
        validate=validate.Length(min=1, max=10_000),
        metadata={"description": "Only these records (default: every record with a DOI)"},
    )
    sources = fields.List(
        fields.String(validate=validate.OneOf(SOURCES)),
        validate=validate.Length(min=1),
        metadata={
            "description": "Default for publications: crossref, unpaywall, openalex; "
            "for datasets: datacite, doi (the DOI proxy: does the DOI resolve)"
        },
    )
    refresh = JsonBoolean(
        load_default=False,
        metadata={"description": "Ask the services again even when a fresh answer is kept"},
    )


class EnrichmentProblemSchema(Schema):
    record = fields.String()
    doi = fields.String()
    source = fields.String(allow_none=True)
    level = fields.String(metadata={"description": "failed, or skipped (a value not valid)"})
    reason = fields.String()
    at = fields.String()


class EnrichmentJobSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    record_ids = fields.List(fields.String(), allow_none=True)
    sources = fields.List(fields.String())
    refresh = fields.Boolean()
    status = fields.String(
        metadata={"description": "queued, running, done, failed (see problems) or cancelled"}
    )
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    total = fields.Integer()
    processed = fields.Integer()
    changed = fields.Integer()
    failed = fields.Integer()
    problems = fields.List(fields.Nested(EnrichmentProblemSchema))


class EnrichmentJobArgsSchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))
