"""DataCite Metadata Schema 4.6: what a DOI registration would send, as XML and as JSON.

One mapping (:func:`attributes`, the JSON attributes of DataCite's REST API) and two
serialisations of it, so the XML and the JSON can never say different things. A record
without a DOI is identified by its landing page (``identifierType="URL"``); a record without
creators names ``:unav`` (DataCite's "unavailable"), as the schema requires one.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from lxml import etree

from catalogue.services.exports import Site
from schemas.vocabularies import access_rights, resource_types, spdx_licences

NAMESPACE = "http://datacite.org/schema/kernel-4"
SCHEMA_LOCATION = f"{NAMESPACE} http://schema.datacite.org/meta/kernel-4.6/metadata.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# The catalogue's related-identifier schemes as DataCite names them (PMCIDs are not one of
# DataCite's types: they are sent as their URL at Europe PMC).
_RELATED_TYPES = {
    "doi": "DOI",
    "handle": "Handle",
    "ark": "ARK",
    "arxiv": "arXiv",
    "isbn": "ISBN",
    "issn": "ISSN",
    "pmid": "PMID",
    "purl": "PURL",
    "urn": "URN",
    "url": "URL",
}
_COAR = "http://purl.org/coar/access_right/"
# Characters XML 1.0 cannot carry at all (C0 controls other than tab and line breaks, lone
# surrogates, U+FFFE/U+FFFF): dropped, so one odd character cannot break a harvest.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _person(entry: dict[str, Any]) -> dict[str, Any]:
    name = entry.get("name") or ""
    family, comma, given = name.partition(",")
    given_name = entry.get("given_name") or (given.strip() if comma else None)
    family_name = entry.get("family_name") or (family.strip() if comma else None)
    personal = bool(entry.get("orcid") or given_name or family_name)
    out: dict[str, Any] = {"name": name, "nameType": "Personal" if personal else "Organizational"}
    if personal and given_name:
        out["givenName"] = given_name
    if personal and family_name:
        out["familyName"] = family_name
    out["nameIdentifiers"] = (
        [
            {
                "nameIdentifier": f"https://orcid.org/{entry['orcid']}",
                "nameIdentifierScheme": "ORCID",
                "schemeUri": "https://orcid.org",
            }
        ]
        if entry.get("orcid")
        else []
    )
    out["affiliation"] = [
        {"name": affiliation["name"]}
        | (
            {
                "affiliationIdentifier": affiliation["ror"],
                "affiliationIdentifierScheme": "ROR",
                "schemeUri": "https://ror.org",
            }
            if affiliation.get("ror")
            else {}
        )
        for affiliation in entry.get("affiliations") or []
    ]
    return out


def _publisher(record: dict[str, Any], site: Site) -> dict[str, Any]:
    named = record.get("publisher") or ((record.get("journal") or {}).get("publisher"))
    if named:
        return {"name": named}
    return {
        "name": site.institution,
        "publisherIdentifier": site.institution_ror,
        "publisherIdentifierScheme": "ROR",
        "schemeUri": "https://ror.org/",
    }


def _year(record: dict[str, Any]) -> str:
    """The publication year; for a record without a date, when the catalogue published (or
    registered) it."""
    if record.get("publication_year"):
        return str(record["publication_year"])
    for key in ("published", "created"):
        if record.get(key):
            return str(record[key])[:4]
    return str(date.today().year)


def _rights(record: dict[str, Any]) -> list[dict[str, Any]]:
    rights: list[dict[str, Any]] = []
    licence = record.get("license")
    if licence:
        known = spdx_licences().get(licence)
        rights.append(
            {
                "rights": getattr(known, "name", None) or licence,
                "rightsUri": record.get("license_url"),
                "rightsIdentifier": licence.lower(),
                "rightsIdentifierScheme": "SPDX",
                "schemeUri": "https://spdx.org/licenses/",
            }
        )
    access = access_rights().get(record.get("access_right") or "")
    if record.get("kind") == "publication":
        status = (record.get("open_access") or {}).get("status")
        access = access_rights().get("open" if status not in (None, "closed", "unknown") else "")
    if access:
        rights.append({"rights": access["label"], "rightsUri": _COAR + access["coar"]})
    return rights


def _dates(record: dict[str, Any]) -> list[dict[str, Any]]:
    found = [
        {"date": str(item["date"]), "dateType": item["type"]}
        | ({"dateInformation": item["information"]} if item.get("information") else {})
        for item in record.get("dates") or []
    ]
    types = {item["dateType"] for item in found}
    if record.get("publication_date") and "Issued" not in types:
        found.append({"date": str(record["publication_date"]), "dateType": "Issued"})
    if record.get("embargo_until") and "Available" not in types:
        found.append({"date": str(record["embargo_until"]), "dateType": "Available"})
    if record.get("updated") and "Updated" not in types:
        found.append({"date": str(record["updated"])[:10], "dateType": "Updated"})
    period = record.get("temporal_coverage") or {}
    if (period.get("start") or period.get("end")) and "Coverage" not in types:
        span = f"{period.get('start') or ''}/{period.get('end') or ''}"
        found.append({"date": span, "dateType": "Coverage"})
    withdrawal = record.get("withdrawal") or {}
    if withdrawal.get("date") and "Withdrawn" not in types:
        found.append({"date": str(withdrawal["date"])[:10], "dateType": "Withdrawn"})
    return found


def _related(record: dict[str, Any]) -> list[dict[str, Any]]:
    related = []
    for item in record.get("related_identifiers") or []:
        scheme, identifier = item.get("scheme"), item["identifier"]
        kind = _RELATED_TYPES.get(scheme or "")
        if kind is None:  # pmcid
            kind, identifier = "URL", f"https://europepmc.org/article/PMC/{identifier}"
        entry = {
            "relatedIdentifier": identifier,
            "relatedIdentifierType": kind,
            "relationType": item["relation_type"],
        }
        if item.get("resource_type") in resource_types():
            entry["resourceTypeGeneral"] = item["resource_type"]
        related.append(entry)
    journal = record.get("journal") or {}
    for issn in (journal.get("issn"), journal.get("eissn")):
        if issn:
            related.append(
                {
                    "relatedIdentifier": issn,
                    "relatedIdentifierType": "ISSN",
                    "relationType": "IsPublishedIn",
                    "resourceTypeGeneral": "Journal",
                }
            )
    return related


def _funding(record: dict[str, Any]) -> list[dict[str, Any]]:
    references = []
    for item in record.get("funding") or []:
        entry: dict[str, Any] = {"funderName": item["funder_name"]}
        identifier = item.get("funder_identifier")
        if identifier:
            ror = identifier.startswith("https://ror.org/")
            entry["funderIdentifier"] = identifier if ror else f"https://doi.org/{identifier}"
            entry["funderIdentifierType"] = "ROR" if ror else "Crossref Funder ID"
        if item.get("award_number"):
            entry["awardNumber"] = item["award_number"]
        if item.get("award_title"):
            entry["awardTitle"] = item["award_title"]
        references.append(entry)
    return references


# The kept identifiers of a work, as DataCite's alternateIdentifierType names them.
_ALTERNATE = {"pmid": "PMID", "openalex": "OpenAlex"}


def attributes(record: dict[str, Any], site: Site) -> dict[str, Any]:
    """The record as DataCite's REST API names its attributes (schema 4.6)."""
    landing = site.record_url(record["id"])
    resource_type = record.get("resource_type") or "Other"
    creators = [_person(creator) for creator in record.get("creators") or []]
    contributors = [
        _person(entry) | {"contributorType": entry["role"]}
        for entry in record.get("contributors") or []
    ]
    contact = record.get("contact_point") or {}
    if contact.get("name"):
        contributors.append(
            {"name": contact["name"], "nameType": "Personal", "contributorType": "ContactPerson"}
            | {"nameIdentifiers": [], "affiliation": []}
        )
    subjects = [{"subject": keyword} for keyword in record.get("keywords") or []]
    subjects += [
        {
            "subject": theme,
            "subjectScheme": "Innovation themes",
            "schemeUri": site.url("/themes"),
            "valueUri": site.url(f"/themes/{theme}"),
        }
        for theme in record.get("themes") or []
    ]
    identifiers = [{"identifier": landing, "identifierType": "URL"}] if record.get("doi") else []
    identifiers += [
        {"identifier": known["identifier"], "identifierType": _ALTERNATE[known["scheme"]]}
        for known in record.get("alternate_identifiers") or []
        if known.get("scheme") in _ALTERNATE
    ]
    descriptions = (
        [{"description": record["description"], "descriptionType": "Abstract"}]
        if record.get("description")
        else []
    )
    withdrawal = record.get("withdrawal") or {}
    if withdrawal.get("reason"):
        descriptions.append(
            {"description": f"Withdrawn: {withdrawal['reason']}", "descriptionType": "Other"}
        )
    distributions = record.get("distributions") or []
    sizes = [f"{d['byte_size']} bytes" for d in distributions if d.get("byte_size") is not None]
    formats = sorted({d.get("media_type") or d.get("format") for d in distributions} - {None})
    found: dict[str, Any] = {
        "doi": record.get("doi"),
        "url": landing,
        "identifiers": identifiers,
        "creators": creators
        or [{"name": ":unav", "nameType": "Organizational", "nameIdentifiers": []}],
        "titles": [
            {"title": record.get("title") or ":unav"}
            | ({"lang": record["language"]} if record.get("language") else {})
        ],
        "publisher": _publisher(record, site),
        "publicationYear": _year(record),
        "types": {
            "resourceTypeGeneral": resource_type,
            "resourceType": resource_types().get(resource_type, {}).get("label", resource_type),
        },
        "subjects": subjects,
        "contributors": contributors,
        "dates": _dates(record),
        "language": record.get("language"),
        "relatedIdentifiers": _related(record),
        "sizes": sizes,
        "formats": formats,
        "version": record.get("version"),
        "rightsList": _rights(record),
        "descriptions": descriptions,
        "geoLocations": (
            [{"geoLocationPlace": record["spatial_coverage"]}]
            if record.get("spatial_coverage")
            else []
        ),
        "fundingReferences": _funding(record),
        "schemaVersion": "http://datacite.org/schema/kernel-4",
    }
    return found


def to_json(record: dict[str, Any], site: Site) -> dict[str, Any]:
    """The JSON a DOI registration sends to DataCite's REST API (``application/vnd.api+json``)."""
    found = attributes(record, site)
    return {
        "data": {
            "id": record.get("doi") or record["id"],
            "type": "dois",
            "attributes": {key: value for key, value in found.items() if value not in (None, [])},
        }
    }


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attrs: str | None
) -> etree._Element:
    element = etree.SubElement(
        parent,
        f"{{{NAMESPACE}}}{tag}",
        {k: xml_text(v) for k, v in attrs.items() if v is not None},
    )
    if text is not None:
        element.text = xml_text(text)
    return element


def _name_parts(parent: etree._Element, tag: str, entry: dict[str, Any]) -> None:
    _sub(parent, f"{tag}Name", entry["name"], nameType=entry.get("nameType"))
    if entry.get("givenName"):
        _sub(parent, "givenName", entry["givenName"])
    if entry.get("familyName"):
        _sub(parent, "familyName", entry["familyName"])
    for identifier in entry.get("nameIdentifiers") or []:
        _sub(
            parent,
            "nameIdentifier",
            identifier["nameIdentifier"],
            nameIdentifierScheme=identifier["nameIdentifierScheme"],
            schemeURI=identifier.get("schemeUri"),
        )
    for affiliation in entry.get("affiliation") or []:
        _sub(
            parent,
            "affiliation",
            affiliation["name"],
            affiliationIdentifier=affiliation.get("affiliationIdentifier"),
            affiliationIdentifierScheme=affiliation.get("affiliationIdentifierScheme"),
            schemeURI=affiliation.get("schemeUri"),
        )


def to_element(record: dict[str, Any], site: Site) -> etree._Element:
    """The ``<resource>`` element (OAI-PMH's ``oai_datacite`` wraps it)."""
    found = attributes(record, site)
    root = etree.Element(
        f"{{{NAMESPACE}}}resource",
        {f"{{{XSI}}}schemaLocation": SCHEMA_LOCATION},
        nsmap={None: NAMESPACE, "xsi": XSI},
    )
    if found["doi"]:
        _sub(root, "identifier", found["doi"], identifierType="DOI")
    else:
        _sub(root, "identifier", found["url"], identifierType="URL")
    creators = _sub(root, "creators")
    for creator in found["creators"]:
        _name_parts(_sub(creators, "creator"), "creator", creator)
    titles = _sub(root, "titles")
    for title in found["titles"]:
        element = _sub(titles, "title", title["title"])
        if title.get("lang"):
            element.set(XML_LANG, title["lang"])
    publisher = found["publisher"]
    _sub(
        root,
        "publisher",
        publisher["name"],
        publisherIdentifier=publisher.get("publisherIdentifier"),
        publisherIdentifierScheme=publisher.get("publisherIdentifierScheme"),
        schemeURI=publisher.get("schemeUri"),
    )
    _sub(root, "publicationYear", found["publicationYear"])
    types = found["types"]
    _sub(
        root,
        "resourceType",
        types["resourceType"],
        resourceTypeGeneral=types["resourceTypeGeneral"],
    )
    if found["subjects"]:
        subjects = _sub(root, "subjects")
        for subject in found["subjects"]:
            _sub(
                subjects,
                "subject",
                subject["subject"],
                subjectScheme=subject.get("subjectScheme"),
                schemeURI=subject.get("schemeUri"),
                valueURI=subject.get("valueUri"),
            )
    if found["contributors"]:
        contributors = _sub(root, "contributors")
        for entry in found["contributors"]:
            element = _sub(contributors, "contributor", contributorType=entry["contributorType"])
            _name_parts(element, "contributor", entry)
    if found["dates"]:
        dates = _sub(root, "dates")
        for item in found["dates"]:
            _sub(
                dates,
                "date",
                item["date"],
                dateType=item["dateType"],
                dateInformation=item.get("dateInformation"),
            )
    if found["language"]:
        _sub(root, "language", found["language"])
    if found["identifiers"]:
        alternates = _sub(root, "alternateIdentifiers")
        for item in found["identifiers"]:
            _sub(
                alternates,
                "alternateIdentifier",
                item["identifier"],
                alternateIdentifierType=item["identifierType"],
            )
    if found["relatedIdentifiers"]:
        related = _sub(root, "relatedIdentifiers")
        for item in found["relatedIdentifiers"]:
            _sub(
                related,
                "relatedIdentifier",
                item["relatedIdentifier"],
                relatedIdentifierType=item["relatedIdentifierType"],
                relationType=item["relationType"],
                resourceTypeGeneral=item.get("resourceTypeGeneral"),
            )
    for plural, singular in (("sizes", "size"), ("formats", "format")):
        if found[plural]:
            element = _sub(root, plural)
            for value in found[plural]:
                _sub(element, singular, value)
    if found["version"]:
        _sub(root, "version", found["version"])
    if found["rightsList"]:
        rights = _sub(root, "rightsList")
        for item in found["rightsList"]:
            _sub(
                rights,
                "rights",
                item["rights"],
                rightsURI=item.get("rightsUri"),
                rightsIdentifier=item.get("rightsIdentifier"),
                rightsIdentifierScheme=item.get("rightsIdentifierScheme"),
                schemeURI=item.get("schemeUri"),
            )
    if found["descriptions"]:
        descriptions = _sub(root, "descriptions")
        for item in found["descriptions"]:
            _sub(
                descriptions,
                "description",
                item["description"],
                descriptionType=item["descriptionType"],
            )
    if found["geoLocations"]:
        places = _sub(root, "geoLocations")
        for item in found["geoLocations"]:
            _sub(_sub(places, "geoLocation"), "geoLocationPlace", item["geoLocationPlace"])
    if found["fundingReferences"]:
        references = _sub(root, "fundingReferences")
        for item in found["fundingReferences"]:
            element = _sub(references, "fundingReference")
            _sub(element, "funderName", item["funderName"])
            if item.get("funderIdentifier"):
                _sub(
                    element,
                    "funderIdentifier",
                    item["funderIdentifier"],
                    funderIdentifierType=item["funderIdentifierType"],
                )
            if item.get("awardNumber"):
                _sub(element, "awardNumber", item["awardNumber"])
            if item.get("awardTitle"):
                _sub(element, "awardTitle", item["awardTitle"])
    return root


def to_xml(record: dict[str, Any], site: Site) -> bytes:
    """The DataCite XML document (``application/vnd.datacite.datacite+xml``)."""
    xml: bytes = etree.tostring(to_element(record, site), encoding="utf-8", xml_declaration=True)
    return xml
