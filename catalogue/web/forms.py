"""The record form: flat HTML field names to the API's body, and back.

One naming rule both ways and for errors: a field's name is its path in the API body joined
with ``-`` (``title``, ``creators-0-orcid``, ``journal-issn``), so an error the API reports
at ``{"creators": {"0": {"orcid": [...]}}}`` is shown next to the input ``creators-0-orcid``.
Repeatable groups are numbered rows; a row left empty is no row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, fields
from werkzeug.datastructures import MultiDict

# Repeatable groups and their columns, as the API names them.
GROUPS: dict[str, tuple[str, ...]] = {
    "creators": ("name", "orcid", "affiliation", "ror"),
    "distributions": ("access_url", "title", "format", "media_type", "byte_size"),
    "funding": ("funder_name", "award_number"),
    "related_identifiers": ("identifier", "relation_type"),
}
COMMON = ("title", "description", "publication_date", "version", "language", "publisher", "doi")
KIND_FIELDS = {
    "dataset": ("license", "access_right", "embargo_until", "resource_type"),
    "publication": ("license", "resource_type", "publisher_license"),
}
NESTED = {"publication": {"journal": ("title", "issn", "eissn"), "deposit": ("version", "url")}}
TRISTATE = {
    "publication": ("peer_reviewed", "publisher_free_to_read", "short_work", "publicly_funded")
}
KIND_GROUPS = {
    "dataset": ("creators", "distributions", "funding", "related_identifiers"),
    "publication": ("creators", "funding", "related_identifiers"),
}


def _text(form: MultiDict[str, str], name: str) -> str | None:
    value = (form.get(name) or "").strip()
    return value or None


def _rows(form: MultiDict[str, str], group: str) -> list[dict[str, str]]:
    rows = []
    index = 0
    while any(f"{group}-{index}-{column}" in form for column in GROUPS[group]):
        row = {
            column: (form.get(f"{group}-{index}-{column}") or "").strip()
            for column in GROUPS[group]
        }
        if any(row.values()):
            rows.append(row)
        index += 1
    return rows


def _row_to_api(group: str, row: dict[str, str]) -> dict[str, Any]:
    if group == "creators":
        creator: dict[str, Any] = {"name": row["name"], "orcid": row["orcid"] or None}
        if row["affiliation"] or row["ror"]:
            creator["affiliations"] = [{"name": row["affiliation"], "ror": row["ror"] or None}]
        return creator
    if group == "distributions":
        size = row["byte_size"].replace(" ", "")
        return {
            "access_url": row["access_url"],
            "title": row["title"] or None,
            "format": row["format"] or None,
            "media_type": row["media_type"] or None,
            # Digits become a number; anything else is passed on for the API to name.
            "byte_size": int(size) if size.isdigit() else (size or None),
        }
    return {column: (value or None) for column, value in row.items()}


def body_from_form(form: MultiDict[str, str], kind: str) -> dict[str, Any]:
    """The API body a form describes (what ``POST /api/{kind}s`` would be sent)."""
    body: dict[str, Any] = {}
    for name in (*COMMON, *KIND_FIELDS[kind]):
        body[name] = _text(form, name)
    if not body.get("resource_type"):
        body.pop("resource_type")
    body["keywords"] = [k.strip() for k in (form.get("keywords") or "").split(",") if k.strip()]
    body["themes"] = form.getlist("themes")
    body["departments"] = form.getlist("departments")
    for group in KIND_GROUPS[kind]:
        body[group] = [_row_to_api(group, row) for row in _rows(form, group)]
    for nested, columns in NESTED.get(kind, {}).items():
        values = {column: _text(form, f"{nested}-{column}") for column in columns}
        body[nested] = values if any(values.values()) else None
    for name in TRISTATE.get(kind, ()):
        chosen = form.get(name, "")
        body[name] = {"yes": True, "no": False}.get(chosen)
    if kind == "dataset" and not body.get("access_right"):
        body.pop("access_right")
    return body


def form_from_record(record: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """Form values (flat names) from a record in its wire form, for the edit page."""
    values: dict[str, Any] = {}
    for name in (*COMMON, *KIND_FIELDS[kind]):
        value = record.get(name)
        values[name] = "" if value is None else str(value)
    values["keywords"] = ", ".join(record.get("keywords") or [])
    values["themes"] = list(record.get("themes") or [])
    values["departments"] = list(record.get("departments") or [])
    for index, creator in enumerate(record.get("creators") or []):
        affiliation = (creator.get("affiliations") or [{}])[0]
        values[f"creators-{index}-name"] = creator.get("name") or ""
        values[f"creators-{index}-orcid"] = creator.get("orcid") or ""
        values[f"creators-{index}-affiliation"] = affiliation.get("name") or ""
        values[f"creators-{index}-ror"] = affiliation.get("ror") or ""
    for group in ("distributions", "funding", "related_identifiers"):
        for index, row in enumerate(record.get(group) or []):
            for column in GROUPS[group]:
                value = row.get(column)
                values[f"{group}-{index}-{column}"] = "" if value is None else str(value)
    for nested, columns in NESTED.get(kind, {}).items():
        for column in columns:
            value = (record.get(nested) or {}).get(column)
            values[f"{nested}-{column}"] = "" if value is None else str(value)
    for name in TRISTATE.get(kind, ()):
        known = record.get(name)
        values[name] = "" if known is None else ("yes" if known else "no")
    return values


def form_values(form: MultiDict[str, str]) -> dict[str, Any]:
    """What was typed, to show again (multi-valued fields as lists)."""
    values: dict[str, Any] = {key: form.get(key, "") for key in form}
    values["themes"] = form.getlist("themes")
    values["departments"] = form.getlist("departments")
    return values


def row_count(values: Mapping[str, Any], group: str, extra: int = 1) -> int:
    """Rows to show for a group: those filled in, plus ``extra`` empty ones."""
    filled = 0
    while any(f"{group}-{filled}-{column}" in values for column in GROUPS[group]):
        filled += 1
    return filled + extra


def flat_errors(errors: Mapping[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """An API error tree as messages per form field name."""
    flat: dict[str, list[str]] = {}
    for key, value in errors.items():
        name = f"{prefix}-{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flat_errors(value, name))
        else:
            flat[name] = [str(message) for message in value]
    # A creator's affiliation is one row in the form, a list in the API.
    renamed = {}
    for name, messages in flat.items():
        fixed = name.replace("-affiliations-0-name", "-affiliation").replace(
            "-affiliations-0-ror", "-ror"
        )
        renamed[fixed] = messages
    return renamed


def query_arguments(schema: Schema, args: MultiDict[str, str]) -> dict[str, Any]:
    """The URL's arguments a schema knows, as it loads them: repeated ones as lists, empty
    ones dropped (a filter form sends every field, chosen or not)."""
    found: dict[str, Any] = {}
    for name, field in schema.fields.items():
        values = [value for value in args.getlist(name) if value.strip()]
        if values:
            found[name] = values if isinstance(field, fields.List) else values[0]
    return found


def whole_number(text: str | None) -> int | None:
    """A non-negative number a form sent (an id, a revision) that the database can hold;
    None for anything else, "١٢٣" and 10^30 included."""
    text = (text or "").strip()
    if text.isascii() and text.isdigit() and len(text) < 19:
        return int(text)
    return None


def revision(form: Mapping[str, str]) -> int:
    """The revision a form was filled from. Anything that is not one (a tampered form) names
    no revision: the save is then refused as stale (412) and shows the record as it is."""
    return whole_number(form.get("revision")) or 0
