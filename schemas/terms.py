"""Wire format of vocabulary terms (themes, departments, licences, resource types, ...)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.records import JsonBoolean, StrictSchema, non_blank


class ThemeSchema(Schema):
    id = fields.String()
    group = fields.String(
        metadata={"enum": ["innovation-theme", "societal-priority", "fundamental"]}
    )
    label = fields.String()
    retired = fields.Boolean()


class DepartmentSchema(Schema):
    id = fields.String()
    label = fields.String()
    retired = fields.Boolean()


class TermChangeSchema(StrictSchema):
    label = fields.String(
        required=True,
        validate=non_blank(200),
    )
    retired = JsonBoolean(load_default=False)


class ThemeChangeSchema(TermChangeSchema):
    group = fields.String(
        required=True,
        validate=validate.OneOf(["innovation-theme", "societal-priority", "fundamental"]),
    )


class LicenceSchema(Schema):
    id = fields.String(metadata={"description": "SPDX licence id"})
    name = fields.String()
    url = fields.String()
    osi_approved = fields.Boolean()
    deprecated = fields.Boolean()


class ResourceTypeSchema(Schema):
    id = fields.String(metadata={"description": "DataCite resourceTypeGeneral"})
    label = fields.String()
    kind = fields.String(metadata={"enum": ["dataset", "publication"]})


class AccessRightSchema(Schema):
    id = fields.String()
    coar = fields.String()
    uri = fields.Method("_uri")
    label = fields.String()

    def _uri(self, obj: object) -> str:
        return f"http://purl.org/coar/access_right/{getattr(obj, 'coar', '')}"


class TermListArgsSchema(StrictSchema):
    q = fields.String(
        validate=validate.Length(max=200), metadata={"description": "Filter by label or id"}
    )
