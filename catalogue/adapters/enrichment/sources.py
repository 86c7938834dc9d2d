"""The metadata services, and how each one's documented answer reads in our wire format.

Each source turns its answer for one DOI into a :class:`Found`: fields in the form the record
API takes (so they pass the same validation as a person's input) and, for the network FAIR
checks, facts about the DOI itself.  Parsing is pure: the answers arrive through
:mod:`catalogue.adapters.enrichment.http`.

- Unpaywall ``GET /v2/{doi}?email=``: Open Access locations (publisher or repository, version,
  licence; embargoed repository copies with the date they open) and the bibliographic basics.
- Crossref ``GET /works/{doi}``: the publisher's metadata: title, journal with print and
  electronic ISSN, authors with ORCID, the licence of the version of record, funders, abstract.
- OpenAlex ``GET /works/https://doi.org/{doi}``: locations (like Unpaywall), the journal,
  authors with ORCID and ROR, keywords.
- DataCite ``GET /dois/{doi}``: the registered DataCite metadata of a dataset, and whether the
  DOI is registered there (``state: findable``).
- The DOI proxy ``GET /api/handles/{doi}``: whether the DOI resolves to a landing page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from schemas import identifiers
from schemas.vocabularies import canonical_spdx_id

Parse = Callable[[int, Any], "Found | None"]


@dataclass
class Found:
    """What one source says of one DOI."""

    source: str
    fields: dict[str, Any] = field(default_factory=dict)
    # Facts for the FAIR network checks: doi_resolves, doi_registered.
    network: dict[str, bool] = field(default_factory=dict)
    # What the source says beyond the record: journal_fully_oa (Unpaywall, OpenAlex).
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Source:
    name: str
    kinds: frozenset[str]  # which records it serves: publication, dataset
    default_url: str
    per_second: float  # the service's published limit for polite clients, with a margin
    path: Callable[[str], str]
    parse: Parse
    sends_email: bool = False  # Unpaywall wants the contact address as a parameter


# -- licences --------------------------------------------------------------------------------

_CC_URL = re.compile(
    r"creativecommons\.org/(?:licenses/(?P<kind>[a-z-]+)/(?P<version>[\d.]+)"
    r"|publicdomain/(?P<pd>zero|mark)/(?P<pdversion>[\d.]+))",
    re.IGNORECASE,
)
# Unpaywall and OpenAlex name Creative Commons licences without their version; 4.0 has been
# the current one since 2013.  Crossref's licence URL, when there is one, names it exactly.
_UNVERSIONED = {
    "cc-by": "CC-BY-4.0",
    "cc-by-sa": "CC-BY-SA-4.0",
    "cc-by-nd": "CC-BY-ND-4.0",
    "cc-by-nc": "CC-BY-NC-4.0",
    "cc-by-nc-sa": "CC-BY-NC-SA-4.0",
    "cc-by-nc-nd": "CC-BY-NC-ND-4.0",
    "cc0": "CC0-1.0",
    "public-domain": "CC0-1.0",
}


def spdx(value: Any) -> str | None:
    """An SPDX id for a licence as the services write it (URL, short name or SPDX id)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if match := _CC_URL.search(text):
        if match["pd"]:
            return "CC0-1.0" if match["pd"].lower() == "zero" else None
        return canonical_spdx_id(f"CC-{match['kind'].upper()}-{match['version']}")
    lowered = text.lower()
    if lowered in _UNVERSIONED:
        return _UNVERSIONED[lowered]
    return canonical_spdx_id(text)


# -- shared pieces ---------------------------------------------------------------------------

_VERSIONS = {
    "publishedVersion": "published",
    "acceptedVersion": "accepted",
    "submittedVersion": "submitted",
}
_VERSION_RANK = {"published": 0, "accepted": 1, "submitted": 2}


def _full_date(value: Any) -> str | None:
    """An ISO date when the value is a whole one (partial dates are not invented into days)."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]).isoformat() if len(value) >= 10 else None
        except ValueError:
            return None
    if isinstance(value, list) and len(value) == 3 and all(isinstance(v, int) for v in value):
        try:
            return date(value[0], value[1], value[2]).isoformat()
        except ValueError:
            return None
    return None


def _identifier(value: Any, normalise: Callable[[str], str]) -> str | None:
    """The identifier in canonical form; None when absent or not valid (never guessed)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return normalise(value)
    except ValueError:
        return None


def _orcid(value: Any) -> str | None:
    return _identifier(value, identifiers.normalise_orcid)


def _ror(value: Any) -> str | None:
    return _identifier(value, identifiers.normalise_ror)


def _person(family: Any, given: Any, orcid: Any = None, affiliations: Any = ()) -> dict[str, Any]:
    family_name = str(family).strip() if family else None
    given_name = str(given).strip() if given else None
    name = ", ".join(part for part in (family_name, given_name) if part)
    return {
        "name": name,
        "given_name": given_name,
        "family_name": family_name,
        "orcid": _orcid(orcid),
        "affiliations": list(affiliations),
    }


def _oa_evidence(
    locations: list[dict[str, Any]], embargoed: list[dict[str, Any]]
) -> dict[str, Any]:
    """Free to read at the publisher (and under which licence), and the best repository copy
    (an embargoed one, with the date it opens, when none is open yet)."""
    found: dict[str, Any] = {}
    publisher = [loc for loc in locations if loc["host"] == "publisher"]
    found["publisher_free_to_read"] = bool(publisher)
    licences = [loc["license"] for loc in publisher if loc["license"]]
    if licences:
        found["publisher_license"] = licences[0]
    repository = sorted(
        (loc for loc in locations if loc["host"] == "repository" and loc["version"] and loc["url"]),
        key=lambda loc: _VERSION_RANK[loc["version"]],
    )
    if repository:
        best = repository[0]
        found["deposit"] = {"version": best["version"], "url": best["url"]}
        if best["license"]:
            found["deposit"]["license"] = best["license"]
    else:
        later = [
            loc
            for loc in embargoed
            if loc["host"] == "repository" and loc["version"] and loc["url"] and loc["opens"]
        ]
        if later:
            first = min(later, key=lambda loc: loc["opens"])
            found["deposit"] = {
                "version": first["version"],
                "url": first["url"],
                "embargo_until": first["opens"],
            }
    return found


# -- Unpaywall -------------------------------------------------------------------------------


def _unpaywall_location(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "host": raw.get("host_type"),
        "version": _VERSIONS.get(raw.get("version") or ""),
        "url": raw.get("url_for_landing_page") or raw.get("url"),
        "license": spdx(raw.get("license")),
        "opens": _full_date(raw.get("oa_date")),
    }


def parse_unpaywall(status: int, body: Any) -> Found | None:
    if status != 200 or not isinstance(body, dict):
        return None
    found = Found("unpaywall")
    if isinstance(body.get("journal_is_oa"), bool):
        found.facts["journal_fully_oa"] = body["journal_is_oa"]
    locations = [_unpaywall_location(raw) for raw in body.get("oa_locations") or []]
    embargoed = [_unpaywall_location(raw) for raw in body.get("oa_locations_embargoed") or []]
    found.fields.update(_oa_evidence(locations, embargoed))
    if body.get("title"):
        found.fields["title"] = body["title"]
    if body.get("publisher"):
        found.fields["publisher"] = body["publisher"]
    if published := _full_date(body.get("published_date")):
        found.fields["publication_date"] = published
    if body.get("journal_name"):
        found.fields["journal"] = {"title": body["journal_name"]}
    creators = [
        _person(a.get("family"), a.get("given"), a.get("ORCID"))
        for a in body.get("z_authors") or []
        if a.get("family") or a.get("given")
    ]
    if creators:
        found.fields["creators"] = creators
    return found


# -- Crossref --------------------------------------------------------------------------------


def _strip_markup(text: str) -> str:
    """Crossref abstracts are JATS XML fragments; keep the words."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()


def parse_crossref(status: int, body: Any) -> Found | None:
    if status != 200 or not isinstance(body, dict) or not isinstance(body.get("message"), dict):
        return None
    work = body["message"]
    found = Found("crossref")
    if titles := [t for t in work.get("title") or [] if t]:
        found.fields["title"] = titles[0]
    if work.get("publisher"):
        found.fields["publisher"] = work["publisher"]
    for key in ("published", "published-online", "published-print", "issued"):
        parts = (work.get(key) or {}).get("date-parts") or [[]]
        if published := _full_date(parts[0]):
            found.fields["publication_date"] = published
            break
    if containers := [t for t in work.get("container-title") or [] if t]:
        journal: dict[str, Any] = {"title": containers[0]}
        for issn in work.get("issn-type") or []:
            part = {"print": "issn", "electronic": "eissn"}.get(issn.get("type", ""))
            if part and issn.get("value"):
                journal[part] = issn["value"]
        if "issn" not in journal and "eissn" not in journal:
            # Many works list ``ISSN`` without its type: print, then electronic, is the usual
            # order; the register is matched on both either way (records._journal).
            for part, value in zip(("issn", "eissn"), work.get("ISSN") or [], strict=False):
                if value:
                    journal[part] = value
        if work.get("publisher"):
            journal["publisher"] = work["publisher"]
        found.fields["journal"] = journal
    creators = [
        _person(
            a.get("family"),
            a.get("given"),
            a.get("ORCID"),
            [{"name": aff["name"]} for aff in a.get("affiliation") or [] if aff.get("name")],
        )
        for a in work.get("author") or []
        if a.get("family")
    ]
    if creators:
        found.fields["creators"] = creators
    vor = [lic for lic in work.get("license") or [] if lic.get("content-version") == "vor"]
    if vor and (licence := spdx(vor[0].get("URL"))):
        found.fields["publisher_license"] = licence
    funding = []
    for funder in work.get("funder") or []:
        if not funder.get("name"):
            continue
        entry: dict[str, Any] = {"funder_name": funder["name"]}
        if funder.get("DOI"):
            entry["funder_identifier"] = funder["DOI"]
        for award in funder.get("award") or [None]:
            funding.append({**entry, **({"award_number": award} if award else {})})
    if funding:
        found.fields["funding"] = funding
    if isinstance(work.get("abstract"), str) and (abstract := _strip_markup(work["abstract"])):
        found.fields["description"] = abstract
    if related := _crossref_versions(work.get("relation")):
        found.fields["related_identifiers"] = related
    return found


# Crossref's relations between a preprint and its article, as DataCite relation types: the
# reports count a preprint of an article in the catalogue once, as the article.
_CROSSREF_VERSIONS = {
    "is-preprint-of": "IsVersionOf",
    "has-preprint": "HasVersion",
    "is-version-of": "IsVersionOf",
    "has-version": "HasVersion",
}


def _crossref_versions(relation: Any) -> list[dict[str, Any]]:
    if not isinstance(relation, dict):
        return []
    found = []
    for name, relation_type in _CROSSREF_VERSIONS.items():
        for item in relation.get(name) or []:
            if isinstance(item, dict) and item.get("id-type") == "doi" and item.get("id"):
                doi = _identifier(item["id"], identifiers.normalise_doi)
                if doi:
                    entry = {"identifier": doi, "scheme": "doi", "relation_type": relation_type}
                    found.append(entry)
    return found


# -- OpenAlex --------------------------------------------------------------------------------


def _openalex_location(raw: dict[str, Any]) -> dict[str, Any]:
    source = raw.get("source") or {}
    kind = source.get("type")
    host = "publisher" if kind in {"journal", "conference", "book series"} else kind
    return {
        "host": host if raw.get("is_oa") else None,
        "version": _VERSIONS.get(raw.get("version") or ""),
        "url": raw.get("landing_page_url") or raw.get("pdf_url"),
        "license": spdx(raw.get("license")),
        "opens": None,
    }


def parse_openalex(status: int, body: Any) -> Found | None:
    if status != 200 or not isinstance(body, dict):
        return None
    found = Found("openalex")
    locations = [_openalex_location(raw) for raw in body.get("locations") or []]
    found.fields.update(_oa_evidence(locations, []))
    if body.get("title"):
        found.fields["title"] = body["title"]
    if published := _full_date(body.get("publication_date")):
        found.fields["publication_date"] = published
    source = (body.get("primary_location") or {}).get("source") or {}
    if source.get("type") == "journal" and isinstance(source.get("is_oa"), bool):
        found.facts["journal_fully_oa"] = source["is_oa"]
    if source.get("type") == "journal" and source.get("display_name"):
        found.fields["journal"] = {"title": source["display_name"]}
        if source.get("host_organization_name"):
            found.fields["journal"]["publisher"] = source["host_organization_name"]
    creators = []
    for authorship in body.get("authorships") or []:
        author = authorship.get("author") or {}
        name = author.get("display_name") or authorship.get("raw_author_name")
        if not name:
            continue
        affiliations = [
            {"name": inst["display_name"], "ror": _ror(inst.get("ror"))}
            for inst in authorship.get("institutions") or []
            if inst.get("display_name")
        ]
        # A display name only ("Anna de Vries"): kept as written, not split by guesswork.
        creators.append(
            {"name": name, "orcid": _orcid(author.get("orcid")), "affiliations": affiliations}
        )
    if creators:
        found.fields["creators"] = creators
    keywords = [k["display_name"] for k in body.get("keywords") or [] if k.get("display_name")]
    if keywords:
        found.fields["keywords"] = keywords
    return found


# -- DataCite --------------------------------------------------------------------------------


def _datacite_affiliations(raw: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for item in raw or []:
        if isinstance(item, str):
            result.append({"name": item})
        elif isinstance(item, dict) and item.get("name"):
            ror = (
                item.get("affiliationIdentifier")
                if ((item.get("affiliationIdentifierScheme") or "").upper() == "ROR")
                else None
            )
            result.append({"name": item["name"], "ror": _ror(ror)})
    return result


def parse_datacite(status: int, body: Any) -> Found | None:
    if status == 404:
        return Found("datacite", network={"doi_registered": False})
    if status != 200 or not isinstance(body, dict):
        return None
    attributes = (body.get("data") or {}).get("attributes") or {}
    found = Found("datacite", network={"doi_registered": attributes.get("state") == "findable"})
    if titles := [t["title"] for t in attributes.get("titles") or [] if t.get("title")]:
        found.fields["title"] = titles[0]
    abstracts = [
        d["description"]
        for d in attributes.get("descriptions") or []
        if d.get("descriptionType") == "Abstract" and d.get("description")
    ]
    if abstracts:
        found.fields["description"] = abstracts[0]
    publisher = attributes.get("publisher")
    if isinstance(publisher, dict):
        publisher = publisher.get("name")
    if publisher:
        found.fields["publisher"] = publisher
    issued = [d["date"] for d in attributes.get("dates") or [] if d.get("dateType") == "Issued"]
    if issued and (published := _full_date(issued[0])):
        found.fields["publication_date"] = published
    creators = []
    for creator in attributes.get("creators") or []:
        orcid = next(
            (
                i.get("nameIdentifier")
                for i in creator.get("nameIdentifiers") or []
                if (i.get("nameIdentifierScheme") or "").upper() == "ORCID"
            ),
            None,
        )
        affiliations = _datacite_affiliations(creator.get("affiliation"))
        if creator.get("familyName"):
            creators.append(
                _person(creator["familyName"], creator.get("givenName"), orcid, affiliations)
            )
        elif creator.get("name"):
            creators.append(
                {"name": creator["name"], "orcid": _orcid(orcid), "affiliations": affiliations}
            )
    if creators:
        found.fields["creators"] = creators
    if keywords := [s["subject"] for s in attributes.get("subjects") or [] if s.get("subject")]:
        found.fields["keywords"] = keywords
    for rights in attributes.get("rightsList") or []:
        if licence := spdx(rights.get("rightsIdentifier")) or spdx(rights.get("rightsUri")):
            found.fields["license"] = licence
            break
    related = [
        {"identifier": r["relatedIdentifier"], "relation_type": r["relationType"]}
        for r in attributes.get("relatedIdentifiers") or []
        if r.get("relatedIdentifier") and r.get("relationType")
    ]
    if related:
        found.fields["related_identifiers"] = related
    funding = [
        {
            key: value
            for key, value in (
                ("funder_name", f.get("funderName")),
                ("funder_identifier", f.get("funderIdentifier")),
                ("award_number", f.get("awardNumber")),
                ("award_title", f.get("awardTitle")),
            )
            if value
        }
        for f in attributes.get("fundingReferences") or []
        if f.get("funderName")
    ]
    if funding:
        found.fields["funding"] = funding
    if attributes.get("version"):
        found.fields["version"] = str(attributes["version"])
    return found


# -- the DOI proxy ---------------------------------------------------------------------------


def parse_handle(status: int, body: Any) -> Found | None:
    """The Handle proxy's answer: ``responseCode`` 1 with a URL value means it resolves."""
    if status not in (200, 404) or not isinstance(body, dict):
        return None
    resolves = body.get("responseCode") == 1 and any(
        value.get("type") == "URL" for value in body.get("values") or []
    )
    return Found("doi", network={"doi_resolves": resolves})


def _quoted(doi: str) -> str:
    return quote(doi, safe="/")


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            "crossref",
            frozenset({"publication"}),
            "https://api.crossref.org",
            5.0,
            lambda doi: f"/works/{_quoted(doi)}",
            parse_crossref,
        ),
        Source(
            "unpaywall",
            frozenset({"publication"}),
            "https://api.unpaywall.org",
            1.0,  # 100,000 a day
            lambda doi: f"/v2/{_quoted(doi)}",
            parse_unpaywall,
            sends_email=True,
        ),
        Source(
            "openalex",
            frozenset({"publication"}),
            "https://api.openalex.org",
            5.0,
            lambda doi: f"/works/https://doi.org/{_quoted(doi)}",
            parse_openalex,
        ),
        Source(
            "datacite",
            frozenset({"dataset"}),
            "https://api.datacite.org",
            5.0,
            lambda doi: f"/dois/{_quoted(doi)}",
            parse_datacite,
        ),
        Source(
            "doi",
            frozenset({"dataset"}),
            "https://doi.org",
            5.0,
            lambda doi: f"/api/handles/{_quoted(doi)}",
            parse_handle,
        ),
    )
}
