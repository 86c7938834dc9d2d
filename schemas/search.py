"""Wire format of search: the query parameters and the answer."""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from schemas.records import StrictSchema
from search.query import FACETS

MAX_WINDOW = 10_000


def _terms(description: str) -> fields.List[Any]:
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=300)),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={"description": description + " (repeat the parameter for several; any matches)"},
    )


class SearchArgsSchema(StrictSchema):
    q = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata={
            "description": 'Free text: words are all required, "a phrase", -word excludes, '
            "word* is a prefix, a | b is either."
        },
    )
    kind = fields.List(
        fields.String(validate=validate.OneOf(("dataset", "publication"))), load_default=list
    )
    theme = _terms("Innovation theme id")
    department = _terms("Department id")
    resource_type = _terms("DataCite resource type")
    year = fields.List(
        fields.Integer(validate=validate.Range(min=1000, max=3000)),
        load_default=list,
        metadata={"description": "Publication year (repeatable)"},
    )
    access_right = _terms("Access right (open, embargoed, restricted, metadata-only)")
    license = _terms("SPDX licence id")
    open_access = _terms("Open Access status")
    creator = _terms("Creator name as shown")
    status = fields.String(
        validate=validate.OneOf(("published", "draft", "withdrawn")),
        metadata={"description": "Default: published (the current version of each work)"},
    )
    owner = fields.String(
        validate=validate.OneOf(("me",)), metadata={"description": "'me': only my records"}
    )
    sort = fields.String(
        load_default="relevance",
        validate=validate.OneOf(("relevance", "newest", "oldest", "title")),
    )
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    after = fields.String(
        validate=[
            validate.Length(max=2000),
            validate.Regexp(r"^[A-Za-z0-9_-]*$", error="Not a 'next' token of this search."),
        ],
        metadata={"description": "The 'next' token of the previous page, for deep paging"},
    )
    facets = fields.Boolean(load_default=True, metadata={"description": "Count facets"})

    @validates_schema
    def _window(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data.get("after") and data.get("page", 1) * data.get("size", 20) > MAX_WINDOW:
            raise ValidationError(
                f"Pages beyond the first {MAX_WINDOW} results: follow the 'next' token instead.",
                field_name="page",
            )


class FacetValueSchema(Schema):
    key = fields.String()
    count = fields.Integer()
    label = fields.String(allow_none=True)


class HighlightsSchema(Schema):
    """Snippets with the matched words in ``<mark>``; the rest of the text is escaped HTML."""

    title = fields.List(fields.String())
    description = fields.List(fields.String())


class HitLinksSchema(Schema):
    self = fields.Url(required=True, metadata={"description": "The record's own address"})


class SearchHitSchema(Schema):
    """One hit: the record exactly as ``GET /api/{kind}/{id}`` shows it (every field of the
    Dataset or Publication schema, by ``kind``), with its link and its highlights."""

    class Meta:
        unknown = INCLUDE  # the rest of the record's fields

    id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": ["dataset", "publication"]})
    title = fields.String(required=True)
    status = fields.String(required=True, metadata={"enum": ["draft", "published", "withdrawn"]})
    revision = fields.Integer(required=True)
    links = fields.Nested(HitLinksSchema, required=True)
    highlights = fields.Nested(
        HighlightsSchema, required=True, metadata={"description": "Empty without free text"}
    )


class SearchPageSchema(Schema):
    total = fields.Integer(required=True, metadata={"description": "Hits in all, every page"})
    page = fields.Integer(required=True)
    size = fields.Integer(required=True)
    hits = fields.List(fields.Nested(SearchHitSchema), required=True)
    facets = fields.Dict(
        keys=fields.String(metadata={"enum": list(FACETS)}),
        values=fields.List(fields.Nested(FacetValueSchema)),
        required=True,
        metadata={
            "description": "Per facet, its values most frequent first (years newest "
            "first), each counted within every filter but its own; empty with facets=false"
        },
    )
    next = fields.String(
        required=True, allow_none=True, metadata={"description": "Token for the next page"}
    )


class SuggestArgsSchema(StrictSchema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=200))
    size = fields.Integer(load_default=10, validate=validate.Range(min=1, max=20))


class SuggestionSchema(Schema):
    text = fields.String()
    field = fields.String(metadata={"enum": ["title", "creator", "keyword"]})


class SuggestionsSchema(Schema):
    suggestions = fields.List(fields.Nested(SuggestionSchema))
