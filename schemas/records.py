"""The wire format of datasets and publications: one definition for input, output and OpenAPI.

Field names follow the DataCite metadata schema.  Loading validates syntax and standard
vocabularies offline and normalises identifiers; whether a theme or department exists is
checked against the database by the service, which reports it in the same error format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from marshmallow import (
    INCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from catalogue.domain.openaccess import CATEGORIES as OA_CATEGORIES
from catalogue.domain.openaccess import STATUSES as OA_STATUSES
from schemas import identifiers
from schemas.identifiers import DOI, ISSN, ORCID, ROR
from schemas.vocabularies import (
    CHECKSUM_ALGORITHMS,
    COAR_BASE,
    CONTRIBUTOR_TYPES,
    DATE_TYPES,
    DEPOSIT_VERSIONS,
    RELATION_TYPES,
    access_rights,
    canonical_spdx_id,
    resource_types_of,
    spdx_url,
)

EARLIEST_YEAR = 1500
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_MEDIA_TYPE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Bidirectional embeddings, overrides and isolates: they make text display differently from
# what it holds ("Trojan Source"). Stripped, not refused: the letters stay, and the Unicode
# bidirectional algorithm still orders mixed Arabic, Hebrew and Latin text readably.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_VOCAB_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")

http_url = validate.URL(schemes={"http", "https"}, require_tld=False)


class HttpUrl(fields.String):
    """An http(s) URL, documented as one (``format: uri``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {})
        kwargs["metadata"] = {"format": "uri", "pattern": "^https?://", **kwargs["metadata"]}
        super().__init__(validate=[http_url, validate.Length(max=2000)], **kwargs)


# Spaces and the characters that show nothing: soft hyphen, zero-width spaces and joiners,
# direction marks, word joiners, the byte-order mark, Hangul fillers. A value made only of
# these is blank. One pattern for Python and for JSON Schema (so the OpenAPI description
# states it): anchored, since marshmallow matches from the start and JSON Schema searches.
_INVISIBLE = (
    r"\s\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f"
    r"\u3164\ufeff\uffa0"
)
VISIBLE_TEXT = f"^[{_INVISIBLE}]*[^{_INVISIBLE}]"


def non_blank(max_length: int, min_length: int = 1) -> list[validate.Validator]:
    """Text of ``min_length`` to ``max_length`` characters with something visible in it."""
    return [
        validate.Length(min=min_length, max=max_length),
        validate.Regexp(VISIBLE_TEXT, error="Must not be blank (it shows no visible character)."),
    ]


def _latest_plausible_date() -> date:
    today = date.today()
    return today.replace(year=today.year + 1, day=min(today.day, 28))


def _control_characters(value: Any) -> Any:
    """Where in ``value`` strings hold control characters: an error tree, or None if clean."""
    if isinstance(value, str):
        if _CONTROL.search(value):
            return ["Must not contain control characters."]
        return None
    if isinstance(value, Mapping):
        found = {k: e for k in value if (e := _control_characters(value[k])) is not None}
        return found or None
    if isinstance(value, list):
        found_items = {
            i: e for i, v in enumerate(value) if (e := _control_characters(v)) is not None
        }
        return found_items or None
    return None


def _without_bidi_controls(value: Any) -> Any:
    if isinstance(value, str):
        return _BIDI_CONTROLS.sub("", value)
    if isinstance(value, Mapping):
        return {k: _without_bidi_controls(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_bidi_controls(v) for v in value]
    return value


class StrictSchema(Schema):
    """Unknown fields are refused: a typo must not be silently dropped.

    Control characters (NUL and the like, but not tab or newline) are refused everywhere:
    no database stores NUL in text, and no person typed them.  Bidirectional override and
    embedding characters are stripped everywhere (see ``_BIDI_CONTROLS``).
    """

    class Meta:
        unknown = RAISE
        ordered = True

    @pre_load(pass_collection=True)
    def _clean_text(self, data: Any, **kwargs: Any) -> Any:
        # Stripped first: that copies the input into plain dicts and lists, so the check and
        # the schema read those rather than a query string's (slow) multi-dict view again.
        cleaned = _without_bidi_controls(data)
        errors = _control_characters(cleaned)
        if errors is not None:
            raise ValidationError(errors)
        return cleaned


class JsonBoolean(fields.Boolean):
    """``true`` or ``false`` in a JSON body: no 0, 1, "yes" or "on" (what forms and query
    strings send), which would make ``"refresh": 0`` quietly mean something."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):  # 1 == True in Python: a set lookup would take it
            raise self.make_error("invalid", input=value)
        return value


class SpdxLicence(fields.String):
    """An SPDX licence id; stored and shown as the SPDX list spells it."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        canonical = canonical_spdx_id(text)
        if canonical is None:
            raise ValidationError(
                f"{text!r} is not an SPDX licence id (see https://spdx.org/licenses/, "
                "for example CC-BY-4.0 or CC0-1.0)"
            )
        return canonical


class PlausibleDate(fields.Date):
    """An ISO 8601 date (YYYY-MM-DD) between the year 1500 and a year from today."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        result: date = super()._deserialize(value, attr, data, **kwargs)
        if result.year < EARLIEST_YEAR or result > _latest_plausible_date():
            raise ValidationError(
                f"{result.isoformat()} is not a plausible date (expected between "
                f"{EARLIEST_YEAR} and a year from today)"
            )
        return result

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        # Dates inside JSON columns are already stored as ISO strings.
        if isinstance(value, str):
            return value
        return super()._serialize(value, attr, obj, **kwargs)


def _years_from_today(years: int) -> date:
    today = date.today()
    try:
        return today.replace(year=today.year + years)
    except ValueError:  # 29 February
        return today.replace(year=today.year + years, day=28)


class EmbargoEnd(fields.Date):
    """The day an embargo ends: at most ``years`` years from today (9999-12-31 is a way of
    saying "closed for ever", which is what ``restricted`` or ``metadata-only`` say)."""

    def __init__(self, years: int, **kwargs: Any) -> None:
        description = f"ISO 8601 date, at most {years} years from today"
        kwargs.setdefault("metadata", {"description": description})
        super().__init__(**kwargs)
        self.years = years

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        result: date = super()._deserialize(value, attr, data, **kwargs)
        latest = _years_from_today(self.years)
        if result.year < EARLIEST_YEAR or result > latest:
            raise ValidationError(
                f"{result.isoformat()} is not a plausible end of an embargo (at most "
                f"{self.years} years from today, {latest.isoformat()})"
            )
        return result


class AffiliationSchema(StrictSchema):
    name = fields.String(required=True, validate=non_blank(255))
    ror = ROR(allow_none=True, metadata={"description": "ROR id, e.g. https://ror.org/05xvt9f17"})


class CreatorSchema(StrictSchema):
    name = fields.String(
        required=True,
        validate=non_blank(255),
        metadata={"description": "Full name as cited, 'Family, Given' for people"},
    )
    given_name = fields.String(allow_none=True, validate=validate.Length(max=255))
    family_name = fields.String(allow_none=True, validate=validate.Length(max=255))
    orcid = ORCID(allow_none=True, metadata={"description": "ORCID iD, e.g. 0000-0002-1825-0097"})
    affiliations = fields.List(
        fields.Nested(AffiliationSchema), load_default=list, validate=validate.Length(max=20)
    )


class ContributorSchema(CreatorSchema):
    role = fields.String(required=True, validate=validate.OneOf(CONTRIBUTOR_TYPES))


class RelatedIdentifierSchema(StrictSchema):
    identifier = fields.String(required=True, validate=non_blank(2000))
    scheme = fields.String(
        validate=validate.OneOf(tuple(identifiers.RELATED_SCHEMES)),
        metadata={"description": "Detected from the identifier when omitted"},
    )
    relation_type = fields.String(required=True, validate=validate.OneOf(RELATION_TYPES))
    resource_type = fields.String(allow_none=True, validate=validate.Length(max=64))

    @post_load
    def _normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        scheme = data.get("scheme") or identifiers.detect_scheme(data["identifier"])
        if scheme is None:
            raise ValidationError(
                "Identifier scheme not recognised; give 'scheme' (one of "
                + ", ".join(identifiers.RELATED_SCHEMES)
                + ")",
                field_name="identifier",
            )
        try:
            data["identifier"] = identifiers.normalise_related(data["identifier"], scheme)
        except ValueError as exc:
            raise ValidationError(str(exc), field_name="identifier") from exc
        data["scheme"] = scheme
        return data


class FundingSchema(StrictSchema):
    funder_name = fields.String(required=True, validate=non_blank(500))
    funder_identifier = fields.String(
        allow_none=True,
        metadata={"description": "ROR id or Crossref Funder ID (a DOI under 10.13039)"},
    )
    award_number = fields.String(allow_none=True, validate=validate.Length(max=255))
    award_title = fields.String(allow_none=True, validate=validate.Length(max=1000))

    @validates("funder_identifier")
    def _funder_identifier(self, value: str | None, **kwargs: Any) -> None:
        if value is None:
            return
        try:
            identifiers.normalise_ror(value)
            return
        except ValueError:
            pass
        try:
            identifiers.normalise_doi(value)
        except ValueError as exc:
            raise ValidationError(
                "Must be a ROR id or a Crossref Funder ID (a DOI such as 10.13039/501100003246)"
            ) from exc

    @post_load
    def _normalise(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        value = data.get("funder_identifier")
        if value:
            try:
                data["funder_identifier"] = identifiers.normalise_ror(value)
            except ValueError:
                data["funder_identifier"] = identifiers.normalise_doi(value)
        return data


class DateSchema(StrictSchema):
    date = PlausibleDate(required=True)
    type = fields.String(required=True, validate=validate.OneOf(DATE_TYPES))
    information = fields.String(allow_none=True, validate=validate.Length(max=500))


class DistributionSchema(StrictSchema):
    title = fields.String(allow_none=True, validate=validate.Length(max=500))
    # Null in answers when the data is not open to the caller (the record's data_access says
    # why and where to ask); never null in a request.
    access_url = HttpUrl(
        required=True,
        allow_none=True,
        metadata={"description": "Required; null in answers when the data is not open to you"},
    )
    download_url = HttpUrl(allow_none=True)
    media_type = fields.String(
        allow_none=True,
        validate=validate.Regexp(_MEDIA_TYPE, error="Must be a media type such as text/csv."),
    )
    format = fields.String(allow_none=True, validate=validate.Length(max=64))
    byte_size = fields.Integer(
        allow_none=True, strict=True, validate=validate.Range(min=0, max=2**63 - 1)
    )
    checksum = fields.String(
        allow_none=True, metadata={"description": "algorithm:hex digest, e.g. sha256:9f86d0..."}
    )

    @validates("access_url")
    def _access_url(self, value: str | None, **kwargs: Any) -> None:
        if value is None:
            raise ValidationError("Field may not be null: where the data can be reached.")

    @validates("checksum")
    def _checksum(self, value: str | None, **kwargs: Any) -> None:
        if value is None:
            return
        algorithm, _, digest = value.partition(":")
        expected = CHECKSUM_ALGORITHMS.get(algorithm.lower())
        if expected is None or not re.fullmatch(rf"[0-9a-fA-F]{{{expected}}}", digest):
            raise ValidationError(
                "Must be 'algorithm:hexdigest' with algorithm one of "
                + ", ".join(CHECKSUM_ALGORITHMS)
            )


class DataAccessSchema(Schema):
    """Whether the caller sees the links to the data, and if not, how to ask."""

    links_shown = fields.Boolean()
    reason = fields.String(
        metadata={"description": "open, embargo ended, editor, granted; or why not"}
    )
    request_access = fields.String(allow_none=True, metadata={"description": "Where to ask"})


def without_data_links(shown: dict[str, Any]) -> dict[str, Any]:
    """A dumped dataset with the access and download URLs of its distributions removed."""
    distributions = [
        {**item, "access_url": None, "download_url": None}
        for item in shown.get("distributions") or []
    ]
    return {**shown, "distributions": distributions}


class ContactPointSchema(StrictSchema):
    name = fields.String(allow_none=True, validate=validate.Length(max=255))
    email = fields.Email(required=True)


class PeriodSchema(StrictSchema):
    start = PlausibleDate(allow_none=True)
    end = PlausibleDate(allow_none=True)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise ValidationError("Must not be before start.", field_name="end")


class JournalSchema(StrictSchema):
    title = fields.String(required=True, validate=non_blank(1000))
    issn = ISSN(allow_none=True)
    eissn = ISSN(allow_none=True)
    publisher = fields.String(allow_none=True, validate=validate.Length(max=500))
    # Kept in the journal register (DOAJ import), not set through a publication.
    in_doaj = fields.Boolean(dump_only=True, allow_none=True)
    apc_amount = fields.Decimal(dump_only=True, as_string=True, allow_none=True)
    apc_currency = fields.String(dump_only=True, allow_none=True)
    doaj_as_of = fields.Date(dump_only=True, allow_none=True)
    # Fully Open Access by another source's word (OpenAlex), for journals DOAJ does not list.
    fully_oa = fields.Boolean(dump_only=True, allow_none=True)
    fully_oa_source = fields.String(dump_only=True, allow_none=True)


class DepositSchema(StrictSchema):
    """A copy of the publication in a repository (green route)."""

    version = fields.String(required=True, validate=validate.OneOf(DEPOSIT_VERSIONS))
    url = HttpUrl(required=True)
    # Publishers' embargoes on a repository copy run months, a few years at most.
    embargo_until = EmbargoEnd(years=10, allow_none=True)
    license = SpdxLicence(
        allow_none=True,
        attribute="license_id",
        data_key="license",
        metadata={"description": "The deposited copy's licence (Plan S: CC BY)"},
    )


class OpenAccessOverrideSchema(StrictSchema):
    """A librarian's correction of the computed Open Access status, with evidence."""

    status = fields.String(required=True, validate=validate.OneOf(OA_STATUSES))
    category = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(OA_CATEGORIES)
    )
    evidence = HttpUrl(
        required=True,
        metadata={"description": "Where the status can be seen (e.g. the free-to-read copy)"},
    )
    note = fields.String(required=True, validate=non_blank(2000))
    by = fields.String(dump_only=True)
    at = fields.String(dump_only=True)


class OpenAccessSchema(Schema):
    """The classification, computed as of ``as_of`` from the publication's fields."""

    status = fields.String(
        metadata={"description": "diamond, gold, hybrid, bronze, green, closed or unknown"}
    )
    category = fields.String(metadata={"description": "Dutch monitor: gold, hybrid, green, closed"})
    embargoed = fields.Boolean(metadata={"description": "Closed until a repository copy opens"})
    opens_on = fields.Date(allow_none=True)
    taverne_eligible = fields.Boolean()
    taverne_date = fields.Date(
        allow_none=True, metadata={"description": "When Taverne allows sharing"}
    )
    plan_s_compliant = fields.Boolean()
    as_of = fields.Date()
    rules = fields.List(fields.String(), metadata={"description": "The rules that decided"})
    computed = fields.Dict(metadata={"description": "The computed status and category"})
    override = fields.Nested(OpenAccessOverrideSchema, allow_none=True)


class WithdrawalSchema(Schema):
    reason = fields.String()
    date = fields.DateTime()


class LinksSchema(Schema):
    self = fields.String()
    versions = fields.String()
    history = fields.String()
    publish = fields.String()
    withdraw = fields.String()


class RecordSchema(StrictSchema):
    """Metadata shared by datasets and publications."""

    id = fields.String(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": ["dataset", "publication"]})
    concept_id = fields.String(dump_only=True, metadata={"description": "Shared by all versions"})
    version_number = fields.Integer(dump_only=True)
    is_latest = fields.Boolean(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": ["draft", "published", "withdrawn"]})
    revision = fields.Integer(
        dump_only=True, metadata={"description": "Row version; send it back in If-Match"}
    )

    doi = DOI(allow_none=True, metadata={"description": "DOI, stored lower case without resolver"})
    title = fields.String(required=True, validate=non_blank(1000))
    description = fields.String(allow_none=True, validate=validate.Length(max=20000))
    creators = fields.List(
        fields.Nested(CreatorSchema), load_default=list, validate=validate.Length(max=500)
    )
    contributors = fields.List(
        fields.Nested(ContributorSchema), load_default=list, validate=validate.Length(max=500)
    )
    publisher = fields.String(allow_none=True, validate=validate.Length(max=500))
    publication_date = PlausibleDate(allow_none=True)
    publication_year = fields.Integer(dump_only=True, allow_none=True)
    language = fields.String(
        allow_none=True,
        validate=validate.Regexp(_LANGUAGE, error="Must be an ISO 639 code such as 'en'."),
    )
    version = fields.String(allow_none=True, validate=validate.Length(max=64))
    license = SpdxLicence(
        allow_none=True, attribute="license_id", metadata={"description": "SPDX licence id"}
    )
    license_url = fields.Method("_license_url", dump_only=True)
    keywords = fields.List(
        fields.String(validate=non_blank(200)), load_default=list, validate=validate.Length(max=50)
    )
    themes = fields.List(
        fields.String(validate=validate.Regexp(_VOCAB_ID, error="Not a theme id.")),
        attribute="theme_ids",
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "Innovation theme ids, see /api/vocabularies/themes"},
    )
    departments = fields.List(
        fields.String(validate=validate.Regexp(_VOCAB_ID, error="Not a department id.")),
        attribute="department_ids",
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "Department ids, see /api/vocabularies/departments"},
    )
    related_identifiers = fields.List(
        fields.Nested(RelatedIdentifierSchema), load_default=list, validate=validate.Length(max=500)
    )
    alternate_identifiers = fields.List(
        fields.Dict(),
        dump_only=True,
        metadata={
            "description": "Other identifiers of the work, from harvests: "
            "[{scheme: pmid | openalex, identifier}]"
        },
    )
    funding = fields.List(
        fields.Nested(FundingSchema), load_default=list, validate=validate.Length(max=100)
    )
    dates = fields.List(
        fields.Nested(DateSchema), load_default=list, validate=validate.Length(max=50)
    )
    created = fields.DateTime(dump_only=True, attribute="created_at")
    updated = fields.DateTime(dump_only=True, attribute="updated_at")
    published = fields.DateTime(dump_only=True, attribute="published_at", allow_none=True)
    withdrawal = fields.Nested(WithdrawalSchema, dump_only=True, allow_none=True)
    links = fields.Nested(LinksSchema, dump_only=True)

    def _license_url(self, obj: Any) -> str | None:
        licence = getattr(obj, "license_id", None)
        return spdx_url(licence) if licence else None

    @validates("themes")
    def _unique_themes(self, value: list[str], **kwargs: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Each theme may be given once.")

    @validates("departments")
    def _unique_departments(self, value: list[str], **kwargs: Any) -> None:
        if len(set(value)) != len(value):
            raise ValidationError("Each department may be given once.")


class DatasetSchema(RecordSchema):
    resource_type = fields.String(
        load_default="Dataset",
        attribute="resource_type_id",
        validate=validate.OneOf(resource_types_of("dataset")),
        metadata={"description": "DataCite resourceTypeGeneral"},
    )
    access_right = fields.String(
        load_default="open",
        attribute="access_right_id",
        validate=validate.OneOf(tuple(access_rights())),
        metadata={"description": "COAR access right: open, embargoed, restricted, metadata-only"},
    )
    access_right_uri = fields.Method("_access_right_uri", dump_only=True)
    # Data may stay closed for decades (cohorts, archives); never for ever: that is restricted.
    embargo_until = EmbargoEnd(years=100, allow_none=True)
    distributions = fields.List(
        fields.Nested(DistributionSchema),
        load_default=list,
        validate=validate.Length(max=200),
        metadata={
            "description": "Where the data is. Links of restricted, metadata-only and still "
            "embargoed data are null for callers without access (see data_access)."
        },
    )
    data_access = fields.Nested(DataAccessSchema, dump_only=True)
    contact_point = fields.Nested(ContactPointSchema, allow_none=True)
    temporal_coverage = fields.Nested(PeriodSchema, allow_none=True)
    spatial_coverage = fields.String(allow_none=True, validate=validate.Length(max=1000))
    personal_data = JsonBoolean(load_default=False)
    health_data = JsonBoolean(load_default=False)
    applicable_legislation = fields.List(
        HttpUrl(),
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "URIs of legislation (e.g. ELI of the GDPR)"},
    )

    def _access_right_uri(self, obj: Any) -> str | None:
        term = access_rights().get(getattr(obj, "access_right_id", None) or "")
        return f"{COAR_BASE}{term['coar']}" if term else None

    @validates_schema
    def _embargo(self, data: dict[str, Any], **kwargs: Any) -> None:
        embargoed = data.get("access_right_id") == "embargoed"
        if embargoed and not data.get("embargo_until"):
            raise ValidationError(
                "Required when access_right is 'embargoed'.", field_name="embargo_until"
            )
        if not embargoed and data.get("embargo_until"):
            raise ValidationError(
                "Only allowed when access_right is 'embargoed'.", field_name="embargo_until"
            )


class PublicationSchema(RecordSchema):
    resource_type = fields.String(
        load_default="JournalArticle",
        attribute="resource_type_id",
        validate=validate.OneOf(resource_types_of("publication")),
        metadata={"description": "DataCite resourceTypeGeneral"},
    )
    journal = fields.Nested(JournalSchema, allow_none=True)
    peer_reviewed = JsonBoolean(allow_none=True)
    publisher_free_to_read = JsonBoolean(
        allow_none=True, metadata={"description": "Free to read on the publisher's site"}
    )
    publisher_license = SpdxLicence(allow_none=True, attribute="publisher_license_id")
    deposit = fields.Nested(DepositSchema, allow_none=True)
    short_work = JsonBoolean(
        allow_none=True, metadata={"description": "Article, chapter or conference paper"}
    )
    publicly_funded = JsonBoolean(
        allow_none=True, metadata={"description": "Funded wholly or partly by Dutch public money"}
    )
    open_access = fields.Nested(OpenAccessSchema, dump_only=True, allow_none=True)
    suggested_themes = fields.List(
        fields.Dict(),
        dump_only=True,
        metadata={
            "description": "Themes the administrators' rules suggest, [{theme, reason}], until a "
            "person confirms one by adding it to themes; never counted as themes"
        },
    )

    @validates_schema
    def _journal_identifiers(self, data: dict[str, Any], **kwargs: Any) -> None:
        journal = data.get("journal")
        if journal and journal.get("issn") and journal.get("issn") == journal.get("eissn"):
            raise ValidationError("Must differ from the print ISSN.", field_name="journal")


class MergeSchema(StrictSchema):
    duplicate = fields.String(
        required=True,
        validate=validate.Regexp(r"^[0-9a-z]{5}-[0-9a-z]{5}$", error="Not a record id."),
        metadata={"description": "The id of the publication that is the same work"},
    )


class WithdrawSchema(StrictSchema):
    reason = fields.String(required=True, validate=non_blank(2000))


class AuditEventSchema(Schema):
    id = fields.Integer()
    action = fields.String()
    at = fields.DateTime()
    actor = fields.String(attribute="actor_name")
    revision = fields.Integer(allow_none=True)
    changes = fields.Dict()


def editable_part(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the fields ``schema`` only shows (at every depth) or that are empty.

    What is left can be loaded by the same schema: it is how a new version starts from the
    published one, and what the audit trail compares.
    """
    kept: dict[str, Any] = {}
    for name, value in data.items():
        field = schema.fields.get(name)
        if field is None or field.dump_only or value is None:
            continue
        inner = field.inner if isinstance(field, fields.List) else field
        if isinstance(inner, fields.Nested) and isinstance(inner.schema, Schema):
            if isinstance(value, list):
                value = [editable_part(inner.schema, item) for item in value]
            else:
                value = editable_part(inner.schema, value)
        kept[name] = value
    return kept


class FairGapSchema(Schema):
    metric = fields.String()
    test = fields.String()
    hint = fields.String(metadata={"description": "What to fix, naming the field"})


class FairAssessmentSchema(Schema):
    """A FAIR assessment: F-UJI metric identifiers, mapped to RDA indicators."""

    version = fields.String()
    score = fields.Float(metadata={"description": "Overall, % of the points"})
    scores = fields.Dict(
        keys=fields.String(), values=fields.Float(), metadata={"description": "% per F, A, I, R"}
    )
    maturity = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "0-3 per F, A, I, R"},
    )
    essential_passed = fields.Boolean(metadata={"description": "Every essential RDA indicator met"})
    essential_gaps = fields.List(
        fields.String(), metadata={"description": "Essential RDA indicators not met"}
    )
    gaps = fields.List(fields.Nested(FairGapSchema))
    not_checked = fields.List(
        fields.String(), metadata={"description": "Tests needing the network, not run yet"}
    )
    metrics = fields.List(fields.Dict())
    assessed_at = fields.DateTime(allow_none=True)


class DraftCheckSchema(Schema):
    """Any dataset body, complete or not: the editor checks it as the person types."""

    class Meta:
        unknown = INCLUDE


class DraftCheckResultSchema(Schema):
    valid = fields.Boolean(metadata={"description": "Whether saving this body would succeed"})
    errors = fields.Dict(allow_none=True, metadata={"description": "Field errors, as a save gives"})
    fair = fields.Nested(FairAssessmentSchema)
