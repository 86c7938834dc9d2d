"""schema.org JSON-LD: what search engines (Google Dataset Search) read from a record page.

Datasets are ``Dataset`` with what Google's guidelines require (name, description) and
recommend (identifier, url, sameAs, license, creator with ORCID and affiliation with ROR,
dates, version, keywords, isAccessibleForFree, temporal and spatial coverage, distribution,
includedInDataCatalog, funder); publications are the matching ``CreativeWork`` subtype.
Distributions appear only when the caller may use them: the wire form has them null else.
"""

from __future__ import annotations

from typing import Any

from catalogue.services.exports import Site, landing_or_doi

# DataCite resource types as schema.org types.
SCHEMA_TYPES = {
    "Dataset": "Dataset",
    "JournalArticle": "ScholarlyArticle",
    "ConferencePaper": "ScholarlyArticle",
    "Preprint": "ScholarlyArticle",
    "BookChapter": "Chapter",
    "Book": "Book",
    "Dissertation": "Thesis",
    "Report": "Report",
    "Software": "SoftwareSourceCode",
}
DESCRIPTION_MAX = 5000  # Google Dataset Search reads 50 to 5000 characters


def schema_type(record: dict[str, Any]) -> str:
    if record.get("kind") == "dataset":
        return "Dataset"
    return SCHEMA_TYPES.get(record.get("resource_type") or "", "CreativeWork")


def _organisation(name: str, ror: str | None) -> dict[str, Any]:
    found: dict[str, Any] = {"@type": "Organization", "name": name}
    if ror:
        found["@id"] = ror
        found["identifier"] = ror
    return found


def _agent(entry: dict[str, Any]) -> dict[str, Any]:
    name = entry.get("name") or ""
    family, comma, given = name.partition(",")
    person = bool(entry.get("orcid") or entry.get("given_name") or comma)
    if not person:
        return {"@type": "Organization", "name": name}
    found: dict[str, Any] = {"@type": "Person", "name": name}
    given_name = entry.get("given_name") or given.strip()
    family_name = entry.get("family_name") or family.strip()
    if given_name:
        found["givenName"] = given_name
    if family_name:
        found["familyName"] = family_name
    if entry.get("orcid"):
        found["@id"] = f"https://orcid.org/{entry['orcid']}"
        found["identifier"] = found["@id"]
    affiliations = [
        _organisation(item["name"], item.get("ror")) for item in entry.get("affiliations") or []
    ]
    if affiliations:
        found["affiliation"] = affiliations if len(affiliations) > 1 else affiliations[0]
    return found


def _free(record: dict[str, Any]) -> bool:
    if record.get("kind") == "dataset":
        return record.get("access_right") == "open"
    status = (record.get("open_access") or {}).get("status")
    return status not in (None, "closed", "unknown")


def to_jsonld(record: dict[str, Any], site: Site) -> dict[str, Any]:
    """The record as one schema.org JSON-LD object (with its ``@context``)."""
    landing = site.record_url(record["id"])
    persistent = landing_or_doi(record, site)
    found: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": schema_type(record),
        "@id": persistent,
        "name": record.get("title"),
        "url": landing,
        "identifier": persistent,
        "isAccessibleForFree": _free(record),
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "name": site.name,
            "url": site.url("/"),
        },
    }
    if record.get("doi"):
        found["sameAs"] = persistent
    if record.get("description"):
        found["description"] = record["description"][:DESCRIPTION_MAX]
    if record.get("license_url"):
        found["license"] = record["license_url"]
    creators = [_agent(entry) for entry in record.get("creators") or []]
    if creators:
        found["creator" if record.get("kind") == "dataset" else "author"] = creators
    contributors = [_agent(entry) for entry in record.get("contributors") or []]
    if contributors:
        found["contributor"] = contributors
    if record.get("publication_date"):
        found["datePublished"] = str(record["publication_date"])
    if record.get("updated"):
        found["dateModified"] = str(record["updated"])
    if record.get("version"):
        found["version"] = record["version"]
    if record.get("keywords"):
        found["keywords"] = list(record["keywords"])
    if record.get("language"):
        found["inLanguage"] = record["language"]
    publisher = record.get("publisher") or (record.get("journal") or {}).get("publisher")
    found["publisher"] = (
        _organisation(publisher, None)
        if publisher
        else _organisation(site.institution, site.institution_ror)
    )
    period = record.get("temporal_coverage") or {}
    if period.get("start") or period.get("end"):
        found["temporalCoverage"] = f"{period.get('start') or '..'}/{period.get('end') or '..'}"
    if record.get("spatial_coverage"):
        found["spatialCoverage"] = {"@type": "Place", "name": record["spatial_coverage"]}
    distributions = [
        {
            "@type": "DataDownload",
            "contentUrl": item.get("download_url") or item["access_url"],
        }
        | ({"encodingFormat": item["media_type"]} if item.get("media_type") else {})
        | ({"name": item["title"]} if item.get("title") else {})
        | ({"contentSize": f"{item['byte_size']} B"} if item.get("byte_size") is not None else {})
        for item in record.get("distributions") or []
        if item.get("access_url")
    ]
    if distributions:
        found["distribution"] = distributions
    if record.get("kind") == "dataset" and record.get("access_right") != "open":
        found["conditionsOfAccess"] = (record.get("data_access") or {}).get("reason") or record.get(
            "access_right"
        )
    funders = [
        _organisation(item["funder_name"], _funder_id(item.get("funder_identifier")))
        for item in record.get("funding") or []
    ]
    if funders:
        found["funder"] = funders
    journal = record.get("journal") or {}
    if journal.get("title"):
        periodical: dict[str, Any] = {"@type": "Periodical", "name": journal["title"]}
        issns = [issn for issn in (journal.get("issn"), journal.get("eissn")) if issn]
        if issns:
            periodical["issn"] = issns
        found["isPartOf"] = periodical
    if record.get("status") == "withdrawn":
        found["creativeWorkStatus"] = "Withdrawn"
    return found


def _funder_id(identifier: str | None) -> str | None:
    if not identifier:
        return None
    return identifier if identifier.startswith("https://") else f"https://doi.org/{identifier}"
