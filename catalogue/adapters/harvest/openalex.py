"""The institution's works from OpenAlex: ``GET /works`` filtered by ROR id and year, cursor paged.

``filter=authorships.institutions.ror:05xvt9f17|...,publication_year:2023-2024``, ``per_page``
100 (the most OpenAlex serves), ``cursor=*`` and then each answer's ``meta.next_cursor`` until
there is none.  The contact address goes in ``mailto`` (OpenAlex's polite pool) and in the
user agent; an API key, when configured, in ``api_key``.

A work becomes publication fields in the API's wire form, plus its PubMed and OpenAlex ids.
What enrichment reads from an OpenAlex answer (Open Access locations, journal, authors with
ORCID and ROR, keywords) is read the same way (:func:`parse_openalex`); a harvest adds the
DOI, type, ISSNs, language, abstract, and the topics the theme rules read.
"""

from __future__ import annotations

import re
from typing import Any

from catalogue.adapters.enrichment.http import PoliteClient, ServiceUnavailable
from catalogue.adapters.enrichment.sources import parse_openalex
from catalogue.adapters.harvest.feed import Page
from catalogue.services.intake import Incoming, NotAWork

PER_PAGE = 100

# OpenAlex work types and the DataCite resource type the catalogue registers them as.
# Datasets and paratext (covers, tables of contents) are not the institution's publications.
RESOURCE_TYPES = {
    "article": "JournalArticle",
    "review": "JournalArticle",
    "letter": "JournalArticle",
    "editorial": "JournalArticle",
    "erratum": "JournalArticle",
    "preprint": "Preprint",
    "book": "Book",
    "book-chapter": "BookChapter",
    "dissertation": "Dissertation",
    "report": "Report",
    "peer-review": "PeerReview",
    "standard": "Standard",
}
# Short works in the sense of the Dutch copyright act's Taverne article.
SHORT_WORKS = {"JournalArticle", "BookChapter", "ConferencePaper", "Preprint"}
_PMID = re.compile(r"(\d+)/?$")
_OPENALEX_ID = re.compile(r"(W\d+)$")


class OpenAlexFeed:
    """One institution's (or several's) works over a range of publication years."""

    source = "openalex"
    keeps_answers = True

    def __init__(
        self,
        client: PoliteClient,
        rors: list[str],
        from_year: int,
        to_year: int,
        contact_email: str,
        api_key: str = "",
    ) -> None:
        self.client = client
        self.rors = rors
        self.years = (from_year, to_year)
        self.contact_email = contact_email
        self.api_key = api_key

    def fetch(self, cursor: str) -> Page:
        """One page of works; raises ServiceUnavailable when OpenAlex keeps failing."""
        short = "|".join(ror.rsplit("/", 1)[-1] for ror in self.rors)
        params = {
            "filter": f"authorships.institutions.ror:{short},"
            f"publication_year:{self.years[0]}-{self.years[1]}",
            "per_page": str(PER_PAGE),
            "cursor": cursor,
            "mailto": self.contact_email,
        }
        if self.api_key:
            params["api_key"] = self.api_key
        answer = self.client.get("/works", params)
        body = answer.body
        if answer.status != 200 or not isinstance(body, dict):
            raise ServiceUnavailable(f"OpenAlex answered HTTP {answer.status}: {str(body)[:200]}")
        meta = _dict(body.get("meta"))
        results = body.get("results")
        if not isinstance(results, list):
            raise ServiceUnavailable("OpenAlex answered without a list of results")
        count = meta.get("count")
        # The last page comes with a cursor too, to an empty page; a page that is not full is
        # the last one, so that empty page is not asked for.
        following = meta.get("next_cursor") if len(results) >= PER_PAGE else None
        return Page(results, following, count if isinstance(count, int) else None)

    def parse(self, raw: Any) -> Incoming:
        return parse_work(raw)


def parse_work(raw: Any) -> Incoming:
    """An OpenAlex work as publication fields; NotAWork when it cannot be one."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
        raise NotAWork("not an OpenAlex work (no id)")
    openalex_id = _match(_OPENALEX_ID, raw["id"])
    if openalex_id is None:
        raise NotAWork(f"not an OpenAlex work id: {raw['id'][:100]!r}")
    kind = raw.get("type")
    journal_source = _dict(_dict(raw.get("primary_location")).get("source"))
    resource_type = RESOURCE_TYPES.get(kind) if isinstance(kind, str) else None
    if kind == "article" and journal_source.get("type") == "conference":
        resource_type = "ConferencePaper"
    if resource_type is None:
        raise NotAWork(f"{openalex_id}: type {kind!r} is not a publication the catalogue counts")
    found = parse_openalex(200, raw)
    fields: dict[str, Any] = dict(found.fields) if found is not None else {}
    fields.pop("title", None)
    title = raw.get("title") or raw.get("display_name")
    if isinstance(title, str) and title.strip():
        fields["title"] = " ".join(title.split())
    if isinstance(raw.get("doi"), str):
        fields["doi"] = raw["doi"]
    fields["resource_type"] = resource_type
    fields["short_work"] = resource_type in SHORT_WORKS
    journal = fields.get("journal")
    if isinstance(journal, dict):
        # OpenAlex lists a journal's ISSNs without saying which is print: the register
        # matches either, so the order given is kept.
        issns = [i for i in journal_source.get("issn") or [] if isinstance(i, str)]
        for part, issn in zip(("issn", "eissn"), issns, strict=False):
            journal[part] = issn
        if journal.get("publisher"):
            fields["publisher"] = journal["publisher"]
    if isinstance(raw.get("language"), str):
        fields["language"] = raw["language"]
    if abstract := _abstract(raw.get("abstract_inverted_index")):
        fields["description"] = abstract[:20000]
    identifiers = {"openalex": openalex_id}
    ids = _dict(raw.get("ids"))
    if isinstance(ids.get("pmid"), str) and (pmid := _match(_PMID, ids["pmid"])):
        identifiers["pmid"] = pmid
    facts = {}
    if isinstance(journal, dict) and isinstance(journal_source.get("is_oa"), bool):
        # OpenAlex's word on the journal being fully Open Access (DOAJ listed or not).
        facts["journal_fully_oa"] = journal_source["is_oa"]
    if topics := _topics(raw.get("topics")):
        facts["topics"] = topics  # for the theme rules: never written to the record
    return Incoming("openalex", openalex_id, fields, identifiers, facts)


def _topics(value: Any) -> list[str]:
    """The names OpenAlex files the work under: each topic with its subfield and field
    ("Migraine and Headache Studies", "Neurology", "Medicine"), in lower case."""
    names: set[str] = set()
    for topic in value if isinstance(value, list) else []:
        topic = _dict(topic)
        for part in (topic, _dict(topic.get("subfield")), _dict(topic.get("field"))):
            if isinstance(part.get("display_name"), str) and part["display_name"].strip():
                names.add(part["display_name"].strip().lower())
    return sorted(names)


def _dict(value: Any) -> dict[str, Any]:
    """``value`` when it is an object, else an empty one (services leave parts out)."""
    return value if isinstance(value, dict) else {}


def _match(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(1) if found else None


def _abstract(inverted: Any) -> str | None:
    """OpenAlex keeps abstracts as {word: [positions]}; the text is the words in order."""
    if not isinstance(inverted, dict) or not inverted:
        return None
    placed: dict[int, str] = {}
    for word, positions in inverted.items():
        for position in positions if isinstance(positions, list) else []:
            if isinstance(position, int) and 0 <= position < 100_000:
                placed[position] = str(word)
    return " ".join(placed[i] for i in sorted(placed)) or None
