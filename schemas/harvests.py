"""The wire format of harvests."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from catalogue.domain.terms import THEME_RULE_KINDS
from schemas.identifiers import ORCID, ROR
from schemas.records import StrictSchema


class HarvestCreateSchema(StrictSchema):
    source = fields.String(
        load_default="openalex",
        validate=validate.OneOf(("openalex", "orcid", "oai")),
        metadata={
            "description": "openalex: the institution's works (from_year, to_year, rors); "
            "orcid: researchers' works (from_year, to_year, orcids); "
            "oai: deposits in a repository as green Open Access evidence (url, set, from)"
        },
    )
    rors = fields.List(
        ROR(),
        validate=validate.Length(min=1, max=20),
        metadata={
            "description": "The institutions whose authors' works to bring in (default: "
            "CATALOGUE_HARVEST_RORS, else the institution's own)"
        },
    )
    orcids = fields.List(
        ORCID(),
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "orcid: these researchers (default: everyone with an ORCID iD)"},
    )
    from_year = fields.Integer(validate=validate.Range(min=1900, max=2100))
    to_year = fields.Integer(validate=validate.Range(min=1900, max=2100))
    url = fields.Url(
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=1000),
        metadata={"description": "oai: the repository's OAI-PMH address (default: "
                  "CATALOGUE_REPOSITORY_OAI_URL)"},
    )  # fmt: skip
    set = fields.String(validate=validate.Length(min=1, max=200))
    since = fields.Date(
        data_key="from", metadata={"description": "oai: only records changed since this day"}
    )

    @validates_schema
    def _complete(self, data: dict[str, Any], **kwargs: object) -> None:
        if data.get("source", "openalex") in {"openalex", "orcid"}:
            for name in ("from_year", "to_year"):
                if name not in data:
                    raise ValidationError("Required to harvest OpenAlex.", field_name=name)
            if data["from_year"] > data["to_year"]:
                raise ValidationError("Must not be after to_year.", field_name="from_year")


class HarvestProblemSchema(Schema):
    item = fields.String(metadata={"description": "The work as the source names it"})
    record = fields.String(allow_none=True)
    level = fields.String(
        metadata={
            "description": "failed (the work was not taken in), skipped (a value that is "
            "not valid was left out), conflict (a person's value was kept)"
        }
    )
    reason = fields.String()
    at = fields.String()


class HarvestSchema(Schema):
    id = fields.Integer()
    source = fields.String()
    parameters = fields.Dict()
    status = fields.String(
        metadata={"description": "queued, running, done, failed (see problems) or cancelled"}
    )
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    total = fields.Integer(allow_none=True, metadata={"description": "As the source counts"})
    processed = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    conflicts = fields.Integer()
    unmatched = fields.Integer(
        metadata={"description": "Repository deposits that are evidence for no publication"}
    )
    failed = fields.Integer()
    problems = fields.List(fields.Nested(HarvestProblemSchema))


class HarvestArgsSchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class ImportArgsSchema(Schema):
    format = fields.String(
        required=True,
        validate=validate.OneOf(("csv", "ris", "bibtex")),
        metadata={
            "description": "The file's format: csv (see /api/imports/template.csv), ris, bibtex"
        },
    )
    name = fields.String(
        load_default="", validate=validate.Length(max=200), metadata={"description": "File name"}
    )


class ImportOutcomeSchema(Schema):
    item = fields.String(metadata={"description": "Where in the file: line 12"})
    action = fields.String(
        metadata={"description": "created, updated, unchanged, conflict (a person's value "
                  "kept) or failed"}
    )  # fmt: skip
    record_id = fields.String(allow_none=True)
    taken = fields.List(fields.String(), metadata={"description": "Fields the file would set"})
    kept = fields.List(
        fields.String(), metadata={"description": "A person's values the file disagrees with"}
    )
    skipped = fields.Dict(metadata={"description": "The file's values that are not valid, why"})
    reason = fields.String(allow_none=True)


class ImportReportSchema(Schema):
    format = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    outcomes = fields.List(fields.Nested(ImportOutcomeSchema))


class ThemeRuleSchema(StrictSchema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(tuple(THEME_RULE_KINDS)),
        metadata={"description": "; ".join(f"{k}: {v}" for k, v in THEME_RULE_KINDS.items())},
    )
    value = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={
            "description": "A department id, a keyword or a topic's name (both compared "
            "case-insensitively)"
        },
    )
    theme = fields.String(
        required=True, attribute="theme_id", data_key="theme", validate=validate.Length(max=64)
    )


class ThemeRulesSchema(StrictSchema):
    rules = fields.List(
        fields.Nested(ThemeRuleSchema), required=True, validate=validate.Length(max=5000)
    )
