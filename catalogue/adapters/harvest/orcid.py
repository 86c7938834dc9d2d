"""Researchers' works from ORCID's public API: what they list, and what Crossref says of it.

``GET /v3.0/{orcid}/works`` lists a researcher's works in groups (one group per work, with
the summaries each source added).  A work with a DOI is read from Crossref (``/works/{doi}``:
the publisher's metadata, authors with ORCID, journal with ISSNs, licence); one without is
read from ORCID's own record of it (``/v3.0/{orcid}/work/{put-code}``: title, type, date,
journal, contributors).  One page per researcher: what ORCID and Crossref said is kept in the
job, so a stopped harvest does not ask them again.  Only works published in the harvest's
years are taken: a researcher's record goes back to before they joined the institution.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from catalogue.adapters.enrichment.http import PoliteClient, ServiceUnavailable
from catalogue.adapters.enrichment.sources import parse_crossref
from catalogue.adapters.harvest.feed import START, Page
from catalogue.adapters.harvest.openalex import SHORT_WORKS
from catalogue.services.intake import Incoming, NotAWork
from schemas.identifiers import normalise_doi

# ORCID work types and the catalogue's resource types; other types (data sets, lectures,
# patents...) are not publications the catalogue counts.
RESOURCE_TYPES = {
    "journal-article": "JournalArticle",
    "review": "JournalArticle",
    "book": "Book",
    "edited-book": "Book",
    "book-chapter": "BookChapter",
    "conference-paper": "ConferencePaper",
    "dissertation-thesis": "Dissertation",
    "dissertation": "Dissertation",
    "preprint": "Preprint",
    "report": "Report",
    "working-paper": "Report",
    "standards-and-policy": "Standard",
}


class OrcidFeed:
    """The works of some researchers (by ORCID iD), published in a range of years."""

    source = "orcid"
    keeps_answers = False

    def __init__(
        self,
        orcid: PoliteClient,
        crossref: PoliteClient,
        orcids: list[str],
        from_year: int,
        to_year: int,
    ) -> None:
        self.orcid = orcid
        self.crossref = crossref
        self.orcids = orcids
        self.years = (from_year, to_year)

    def fetch(self, cursor: str) -> Page:
        """The works of one researcher (the cursor counts researchers)."""
        index = 0 if cursor == START else int(cursor)
        if index >= len(self.orcids):
            return Page([], None, 0)
        researcher = self.orcids[index]
        answer = self.orcid.get(f"/v3.0/{researcher}/works")
        if answer.status == 404:
            items: list[Any] = [{"orcid": researcher, "missing": True}]
        elif answer.status != 200 or not isinstance(answer.body, dict):
            raise ServiceUnavailable(f"ORCID answered HTTP {answer.status} for {researcher}")
        else:
            items = [self._work(researcher, group) for group in answer.body.get("group") or []]
            items = [item for item in items if item is not None]
        following = str(index + 1) if index + 1 < len(self.orcids) else None
        return Page(items, following, None)

    def _work(self, researcher: str, group: Any) -> dict[str, Any] | None:
        summaries = group.get("work-summary") if isinstance(group, dict) else None
        if not summaries:
            return None
        summary = summaries[0]
        year = _year(summary)
        if year is None or not self.years[0] <= year <= self.years[1]:
            return None
        item: dict[str, Any] = {"orcid": researcher, "summary": summary}
        doi = _doi(group)
        if doi:
            answer = self.crossref.get(f"/works/{quote(doi, safe='/')}")
            item["doi"] = doi
            item["crossref"] = answer.body if answer.status == 200 else None
        if item.get("crossref") is None and summary.get("put-code") is not None:
            details = self.orcid.get(f"/v3.0/{researcher}/work/{summary['put-code']}")
            item["details"] = details.body if details.status == 200 else None
        return item

    def parse(self, raw: Any) -> Incoming:
        return parse_orcid_work(raw)


def parse_orcid_work(raw: Any) -> Incoming:
    if not isinstance(raw, dict) or not raw.get("orcid"):
        raise NotAWork("not an ORCID work")
    researcher = str(raw["orcid"])
    if raw.get("missing"):
        raise NotAWork(f"ORCID has no record {researcher}")
    summary = raw.get("summary") or {}
    item = f"{researcher} work {summary.get('put-code', '?')}"
    kind = summary.get("type")
    resource_type = RESOURCE_TYPES.get(kind) if isinstance(kind, str) else None
    if resource_type is None:
        raise NotAWork(f"{item}: type {kind!r} is not a publication the catalogue counts")
    found = parse_crossref(200, raw["crossref"]) if raw.get("crossref") else None
    fields: dict[str, Any] = dict(found.fields) if found is not None else _from_orcid(raw)
    if raw.get("doi"):
        fields["doi"] = raw["doi"]
    fields["resource_type"] = resource_type
    fields["short_work"] = resource_type in SHORT_WORKS
    # The work as the researcher's record names it: found again by it, DOI or not.
    identifiers = {"orcid-work": f"{researcher}/{summary.get('put-code')}"}
    hints: dict[str, Any] = {}
    if not raw.get("doi") and fields.get("title") and fields.get("creators"):
        # Without a DOI, a work someone registered is recognised as a deposit is.
        hints = {"title": fields["title"], "author": fields["creators"][0]["name"]}
        if published := fields.get("publication_date"):
            hints["year"] = int(str(published)[:4])
    return Incoming("orcid", item, fields, identifiers, hints=hints)


def _from_orcid(raw: dict[str, Any]) -> dict[str, Any]:
    """A work without Crossref's word, from ORCID's record of it."""
    work = raw.get("details") if isinstance(raw.get("details"), dict) else raw.get("summary")
    work = work or {}
    fields: dict[str, Any] = {}
    title = _value(work.get("title"), "title")
    if title:
        fields["title"] = title
    journal = _value(work, "journal-title")
    if journal:
        fields["journal"] = {"title": journal}
    if published := _date(work.get("publication-date")):
        fields["publication_date"] = published
    creators = []
    for contributor in (work.get("contributors") or {}).get("contributor") or []:
        name = _value(contributor, "credit-name")
        if not name:
            continue
        orcid = (contributor.get("contributor-orcid") or {}).get("path")
        creators.append({"name": name, "orcid": orcid})
    if creators:
        fields["creators"] = creators
    return fields


def _value(container: Any, key: str) -> str | None:
    """ORCID wraps values: ``{"title": {"value": "..."}}``."""
    inner = container.get(key) if isinstance(container, dict) else None
    value = inner.get("value") if isinstance(inner, dict) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def _year(summary: dict[str, Any]) -> int | None:
    year = _value(summary.get("publication-date"), "year")
    return int(year) if year and year.isdigit() else None


def _date(published: Any) -> str | None:
    parts = [_value(published, key) for key in ("year", "month", "day")]
    if all(part and part.isdigit() for part in parts):
        year, month, day = (int(part) for part in parts if part)
        return f"{year:04d}-{month:02d}-{day:02d}"
    return None


def _doi(group: dict[str, Any]) -> str | None:
    """The work's own DOI (``relationship: self``) from the group's external ids."""
    for external in (group.get("external-ids") or {}).get("external-id") or []:
        if (
            external.get("external-id-type") == "doi"
            and external.get("external-id-relationship", "self") == "self"
        ):
            try:
                return normalise_doi(str(external.get("external-id-value") or ""))
            except ValueError:
                continue
    return None
