"""What the machine-readable exports of a record really contain, for the FAIR assessment.

The interoperability and community-standard metrics (FsF-F2-01M, FsF-I1-01M, FsF-I2-01M,
FsF-I3-01M, FsF-R1.3-01M) are judged on the documents harvesters and assessors receive: the
schema.org JSON-LD of the landing page, the DataCite metadata, and the DCAT-AP graph
(the graph its Turtle, JSON-LD and RDF/XML are written from). Each missing part is named by the
record field that would supply it, so the hints say what to fill.
"""

from __future__ import annotations

from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from catalogue.services.exports import Site, datacite, dcat, schemaorg

# A stand-in address: the evidence does not depend on where the catalogue is served.
_SITE = Site("https://catalogue.invalid", "catalogue", "institution", "https://ror.org/00x00x000")

# Registered vocabularies whose terms the DCAT export links (by IRI prefix).
VOCABULARIES = {
    "SPDX licences": "https://spdx.org/licenses/",
    "EU access rights": "http://publications.europa.eu/resource/authority/access-right/",
    "EU file types": "http://publications.europa.eu/resource/authority/file-type/",
    "IANA media types": "https://www.iana.org/assignments/media-types/",
    "ORCID": "https://orcid.org/",
    "ROR": "https://ror.org/",
    "COAR access rights": "http://purl.org/coar/access_right/",
    "EU legislation (ELI)": "http://data.europa.eu/eli/",
}
# The catalogue's own (the institution's ROR and the COAR/EU access terms are always there):
# what counts is what the record's own fields bring.
_ALWAYS = {"EU access rights", "COAR access rights"}

# schema.org properties Google Dataset Search and FAIR assessors read, by record field.
_SCHEMA_ORG = {
    "name": "title",
    "description": "description",
    "creator": "creators",
    "author": "creators",
    "datePublished": "publication_date",
    "keywords": "keywords",
    "license": "license",
}
# Health-RI core v2 mandatory dataset properties, by record field (the others the
# catalogue always fills: identifier, title, publisher, access rights).
_HEALTH_RI = {
    dcat.DCAT.keyword: "keywords",
    dcat.DCAT.contactPoint: "contact_point",
    dcat.DCATAP.applicableLegislation: "applicable_legislation",
    dcat.DCAT.theme: "themes",
    DCTERMS.description: "description",
    DCTERMS.creator: "creators",
}


def _schema_org_missing(record: dict[str, Any]) -> list[str]:
    found = schemaorg.to_jsonld(record, _SITE)
    wanted = ["name", "description", "datePublished", "keywords", "license"]
    wanted.append("creator" if record.get("kind", "dataset") == "dataset" else "author")
    return sorted({_SCHEMA_ORG[key] for key in wanted if not found.get(key)})


def _datacite_missing(record: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """DataCite's mandatory properties the export (``found``) can only fill with
    "unavailable"."""
    missing = []
    if all(creator["name"] == ":unav" for creator in found["creators"]):
        missing.append("creators")
    if not record.get("title"):
        missing.append("title")
    if not record.get("publication_date"):
        missing.append("publication_date")  # the year then comes from the catalogue's dates
    if not record.get("resource_type"):
        missing.append("resource_type")
    return missing


def _health_ri_missing(graph: Graph, subject: URIRef) -> list[str]:
    missing = {field for path, field in _HEALTH_RI.items() if graph.value(subject, path) is None}
    creators = list(graph.objects(subject, DCTERMS.creator))
    if creators and any(graph.value(agent, DCTERMS.identifier) is None for agent in creators):
        missing.add("creators.orcid")
    for distribution in graph.objects(subject, dcat.DCAT.distribution):
        if graph.value(distribution, DCTERMS["format"]) is None:
            missing.add("distributions.format")
        if graph.value(distribution, dcat.DCAT.byteSize) is None:
            missing.add("distributions.byte_size")
        if graph.value(distribution, DCTERMS.license) is None:
            missing.add("license")
    return sorted(missing)


def evidence(record: dict[str, Any]) -> dict[str, Any]:
    """The facts the FAIR assessment reads from the exports of ``record`` (its wire form, or
    the body of a dataset being edited)."""
    record = {**record, "id": record.get("id") or "draft"}
    # The graph every DCAT serialisation is written from (the tests check that Turtle,
    # JSON-LD and RDF/XML carry it whole and that it passes the shapes).
    graph = dcat.record_graph(record, _SITE)
    subject = URIRef(_SITE.record_url(record["id"]))
    described = (subject, RDF.type, None) in graph
    # What the record's own fields link (the institution, as publisher, is always there).
    linked = {str(o) for o in graph.objects() if isinstance(o, URIRef)} - {_SITE.institution_ror}
    used = sorted(
        name
        for name, prefix in VOCABULARIES.items()
        if name not in _ALWAYS and any(iri.startswith(prefix) for iri in linked)
    )
    registered = datacite.attributes(record, _SITE)
    relations = [
        item for item in registered["relatedIdentifiers"] if item["relationType"] != "IsPublishedIn"
    ]
    return {
        "schema_org_missing": _schema_org_missing(record),
        "datacite_missing": _datacite_missing(record, registered),
        "rdf_statements": len(list(graph.triples((subject, None, None)))) if described else 0,
        "vocabularies": used,
        "relations": len(relations),
        "health_ri_missing": _health_ri_missing(graph, subject) if described else [],
    }
