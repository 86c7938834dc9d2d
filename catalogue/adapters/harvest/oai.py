"""Deposits in the institutional repository, over OAI-PMH: green Open Access evidence.

``ListRecords`` with ``metadataPrefix=oai_dc`` (every OAI-PMH repository serves it), a set and
a ``from`` date when given, then the ``resumptionToken`` of each answer until there is none.
Each record is read as the OpenAIRE guidelines for literature repositories write it in Dublin
Core: the version in ``dc:type`` (``info:eu-repo/semantics/acceptedVersion``...), the access
in ``dc:rights`` (``info:eu-repo/semantics/openAccess``, ``embargoedAccess``...) with the
embargo's end in ``dc:date`` (``info:eu-repo/date/embargoEnd/2025-06-01``), a licence URL in
``dc:rights``, the landing page and the DOI in ``dc:identifier``.

A deposit is not a publication: it is evidence for one.  It becomes the ``deposit`` of the
publication it matches (by DOI, then by title, year and first author; see
:mod:`catalogue.services.intake`), never a record of its own.  A deleted record takes back
the deposit it gave, unless a person changed it since.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from lxml import etree

from catalogue.adapters.enrichment.http import PoliteClient, ServiceUnavailable
from catalogue.adapters.enrichment.sources import spdx
from catalogue.adapters.harvest.feed import START, Page
from catalogue.services.intake import Incoming, NotAWork

OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
_VERSIONS = {
    "publishedversion": "published",
    "acceptedversion": "accepted",
    "submittedversion": "submitted",
}
_CLOSED = ("closedaccess", "restrictedaccess", "metadataonlyaccess")
_EMBARGO_END = re.compile(r"info:eu-repo/date/embargoEnd/(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_YEAR = re.compile(r"^(\d{4})")
# XML from outside: no entities, no network, no huge trees.
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class OaiFeed:
    """One repository's records (of a set, changed since a date), page by page."""

    source = "oai"
    keeps_answers = False  # the repository keeps its records; the job keeps the page

    def __init__(
        self,
        client: PoliteClient,
        metadata_prefix: str = "oai_dc",
        oai_set: str | None = None,
        since: str | None = None,
    ) -> None:
        self.client = client
        self.metadata_prefix = metadata_prefix
        self.oai_set = oai_set
        self.since = since

    def fetch(self, cursor: str) -> Page:
        if cursor == START:
            params = {"verb": "ListRecords", "metadataPrefix": self.metadata_prefix}
            if self.oai_set:
                params["set"] = self.oai_set
            if self.since:
                params["from"] = self.since
        else:
            params = {"verb": "ListRecords", "resumptionToken": cursor}
        status, body = self.client.get_bytes("", params)
        if status != 200:
            raise ServiceUnavailable(f"the repository answered HTTP {status}")
        try:
            root = etree.fromstring(body, _PARSER)
        except etree.XMLSyntaxError as exc:
            raise ServiceUnavailable(f"the repository's answer is not XML: {exc}") from exc
        error = root.find(f"{OAI}error")
        if error is not None:
            if error.get("code") == "noRecordsMatch":
                return Page([], None, 0)
            raise ServiceUnavailable(
                f"the repository said {error.get('code')}: {(error.text or '').strip()[:200]}"
            )
        listed = root.find(f"{OAI}ListRecords")
        if listed is None:
            raise ServiceUnavailable("the repository's answer has no ListRecords")
        items = [_record(element) for element in listed.findall(f"{OAI}record")]
        token = listed.find(f"{OAI}resumptionToken")
        following = (token.text or "").strip() if token is not None else ""
        size = token.get("completeListSize") if token is not None else None
        total = int(size) if size and size.isdigit() else None
        return Page(items, following or None, total if total is not None else len(items))

    def parse(self, raw: Any) -> Incoming:
        return parse_deposit(raw)


def _record(element: Any) -> dict[str, Any]:
    """An OAI record as plain JSON (kept in the job): header, and Dublin Core as lists."""
    header = element.find(f"{OAI}header")
    identifier = header.findtext(f"{OAI}identifier") if header is not None else None
    deleted = header is not None and header.get("status") == "deleted"
    dc: dict[str, list[str]] = {}
    metadata = element.find(f"{OAI}metadata")
    if metadata is not None:
        for child in metadata.iter(f"{DC}*"):
            text = (child.text or "").strip()
            if text:
                dc.setdefault(etree.QName(child).localname, []).append(text)
    return {"id": (identifier or "").strip(), "deleted": deleted, "dc": dc}


def parse_deposit(raw: Any) -> Incoming:
    """A repository record as deposit evidence; NotAWork (with the reason) when it is none."""
    if not isinstance(raw, dict) or not raw.get("id"):
        raise NotAWork("not an OAI-PMH record (no identifier)")
    item = str(raw["id"])
    identifiers = {"oai": item[:255]}
    if raw.get("deleted"):
        return Incoming("oai", item, {}, identifiers, deleted=True)
    dc: dict[str, list[str]] = raw.get("dc") or {}
    hints: dict[str, Any] = {}
    landing = None
    for value in dc.get("identifier", []):
        lowered = value.lower()
        if "doi.org/10." in lowered or lowered.startswith(("doi:", "info:doi/", "10.")):
            hints.setdefault("doi", re.sub(r"^(info:doi/|doi:)", "", value, flags=re.IGNORECASE))
        elif lowered.startswith(("http://", "https://")) and landing is None:
            landing = value
    if dc.get("title"):
        hints["title"] = dc["title"][0]
    if dc.get("creator"):
        hints["author"] = dc["creator"][0]
    dates = [d for d in dc.get("date", []) if not d.lower().startswith("info:")]
    if dates and (year := _YEAR.match(dates[0])):
        hints["year"] = int(year.group(1))
    rights = " ".join(dc.get("rights", [])).lower()
    if any(closed in rights for closed in _CLOSED):
        raise _no_copy(item, "closed access in the repository: not a free copy")
    version = next(
        (
            _VERSIONS[key]
            for value in dc.get("type", [])
            if (key := value.rsplit("/", 1)[-1].lower()) in _VERSIONS
        ),
        None,
    )
    if version is None:
        raise _no_copy(item, "the repository does not say which version it holds (dc:type)")
    if landing is None:
        raise _no_copy(item, "no landing page URL in dc:identifier")
    deposit: dict[str, Any] = {"version": version, "url": landing}
    ends = [m.group(1) for d in dc.get("date", []) if (m := _EMBARGO_END.search(d))]
    if ends and date.fromisoformat(ends[0]) > date.today():
        deposit["embargo_until"] = ends[0]
    licence = next((found for r in dc.get("rights", []) if (found := spdx(r))), None)
    if licence:
        deposit["license"] = licence
    return Incoming("oai", item, {"deposit": deposit}, identifiers, hints=hints)


class NoCopy(NotAWork):
    """A repository record that is no evidence of a free copy (counted as unmatched)."""

    outcome = "unmatched"


def _no_copy(item: str, reason: str) -> NoCopy:
    return NoCopy(f"{item}: {reason}")
