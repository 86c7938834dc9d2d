"""The wire format of the reports."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from catalogue.domain.terms import GROUPS, REPORT_SCOPES
from schemas.records import StrictSchema


def _terms(description: str) -> fields.List[Any]:
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": description},
    )


class OpenAccessReportArgsSchema(StrictSchema):
    scope = fields.String(
        load_default="peer-reviewed-articles",
        validate=validate.OneOf(tuple(REPORT_SCOPES)),
        metadata={"description": "; ".join(f"{k}: {v}" for k, v in REPORT_SCOPES.items())},
    )
    theme = _terms("Only publications with one of these innovation themes")
    suggested_themes = fields.String(
        load_default="exclude",
        validate=validate.OneOf(("exclude", "include")),
        metadata={
            "description": "include: count the themes the rules suggested for harvested and "
            "imported works, not yet confirmed by a person, as themes too (in the theme filter "
            "and the grouping by theme). exclude (the default): only confirmed themes."
        },
    )
    department = _terms("Only publications of one of these departments")
    type = _terms("Only these resource types (DataCite resourceTypeGeneral)")
    year_from = fields.Integer(validate=validate.Range(min=1000, max=3000))
    year_to = fields.Integer(validate=validate.Range(min=1000, max=3000))
    group_by = fields.String(validate=validate.OneOf(GROUPS))
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class FairReportArgsSchema(StrictSchema):
    theme = _terms("Only datasets with one of these innovation themes")
    department = _terms("Only datasets of one of these departments")
    year_from = fields.Integer(validate=validate.Range(min=1000, max=3000))
    year_to = fields.Integer(validate=validate.Range(min=1000, max=3000))
    group_by = fields.String(validate=validate.OneOf(("theme", "department")))
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class FairGapCountSchema(Schema):
    test = fields.String(metadata={"description": "The F-UJI test failed"})
    datasets = fields.Integer()
    share = fields.Float(allow_none=True)
    hint = fields.String(allow_none=True)


class FairYearSchema(Schema):
    year = fields.Integer()
    datasets = fields.Integer()
    essential_passed = fields.Integer()
    essential_share = fields.Float(allow_none=True, metadata={"description": "% passing all"})
    mean_score = fields.Float(allow_none=True)
    mean_scores = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))
    distribution = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Datasets per score decile: '0' is 0-9.9%, '90' is 90-100%"},
    )
    top_gaps = fields.List(fields.Nested(FairGapCountSchema))


class FairGroupSchema(Schema):
    key = fields.String()
    years = fields.List(fields.Nested(FairYearSchema))


class FairReportSchema(Schema):
    target = fields.Float()
    filters = fields.Dict()
    group_by = fields.String()
    years = fields.List(fields.Nested(FairYearSchema))
    groups = fields.List(fields.Nested(FairGroupSchema))
    counted_by = fields.String(metadata={"description": "elasticsearch or sql"})


class SnapshotSummarySchema(Schema):
    id = fields.Integer()
    report = fields.String()
    year = fields.Integer()
    parameters = fields.Dict()
    taken_at = fields.DateTime()
    taken_by = fields.String(allow_none=True)


class SnapshotSchema(SnapshotSummarySchema):
    figures = fields.Dict(metadata={"description": "The reports of the year, as on taken_at"})


class WorklistArgsSchema(StrictSchema):
    days = fields.Integer(
        load_default=30,
        validate=validate.Range(min=0, max=3650),
        metadata={"description": "embargoes: how far ahead to look"},
    )
    theme = _terms("Only records with one of these innovation themes")
    department = _terms("Only records of one of these departments")
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10000))
    size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))


class WorklistSchema(Schema):
    name = fields.String()
    description = fields.String()
    total = fields.Integer()
    page = fields.Integer()
    size = fields.Integer()
    items = fields.List(fields.Dict())


class OpenAccessYearSchema(Schema):
    year = fields.Integer()
    total = fields.Integer()
    international = fields.Dict(keys=fields.String(), values=fields.Integer())
    dutch = fields.Dict(keys=fields.String(), values=fields.Integer())
    open_share = fields.Float(allow_none=True, metadata={"description": "% open, international"})
    dutch_open_share = fields.Float(
        allow_none=True, metadata={"description": "% gold+hybrid+green"}
    )
    gap_to_target = fields.Float(allow_none=True, metadata={"description": "Points below 100%"})
    reference = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))


class OpenAccessGroupSchema(Schema):
    key = fields.String()
    years = fields.List(fields.Nested(OpenAccessYearSchema))


class OpenAccessReportSchema(Schema):
    scope = fields.String()
    scope_description = fields.String()
    filters = fields.Dict()
    target = fields.Float()
    open_statuses = fields.List(fields.String())
    dutch_open_categories = fields.List(fields.String())
    group_by = fields.String()
    years = fields.List(fields.Nested(OpenAccessYearSchema))
    groups = fields.List(fields.Nested(OpenAccessGroupSchema))
    counted_by = fields.String(metadata={"description": "elasticsearch or sql"})
