"""DCAT-AP 3 with the Health-RI core profile (v2), built with rdflib.

- The catalogue is a ``dcat:Catalog`` with a sub-catalogue per kind (datasets,
  publications), published by the institution (ROR), with the 17 innovation themes as a
  SKOS concept scheme (``{base}/themes``, each theme ``{base}/themes/{id}``).
- A dataset is a ``dcat:Dataset``: identifier (the DOI as a URL, else the landing page),
  creators (ORCID, ROR), the institution as publisher (the entity making the dataset
  available, as DCAT-AP and Health-RI define it: the repository a record names is in
  DataCite), contact point (vCard), keywords, themes, licence, access rights (EU
  vocabulary), dates, temporal coverage, applicable legislation, versions,
  distributions (licence, rights, format as an IANA media type or EU file type, size,
  checksum). A distribution whose links the caller may not see points at the landing page,
  where access is asked for: DCAT allows a landing page as ``dcat:accessURL``.
- A publication is a ``dcat:Resource`` and ``dct:BibliographicResource`` in the catalogue.

Every resource the shapes' ``range.ttl`` checks is typed (licences are
``dct:LicenseDocument``, legislation ``eli:LegalResource``, ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS, XSD

from catalogue.services.exports import Site, landing_or_doi
from schemas.vocabularies import access_rights

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # DCAT 3 (rdflib's closed namespace is DCAT 2)
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ORG = Namespace("http://www.w3.org/ns/org#")
FDP = Namespace("https://w3id.org/fdp/fdp-o#")
HRI = Namespace("http://data.health-ri.nl/core/p2/")
EU_ACCESS = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
IANA = "https://www.iana.org/assignments/media-types/"

# COAR access rights (the catalogue's) as the EU access-right vocabulary (DCAT-AP's).
EU_ACCESS_RIGHTS = {
    "open": EU_ACCESS.PUBLIC,
    "embargoed": EU_ACCESS.NON_PUBLIC,
    "restricted": EU_ACCESS.RESTRICTED,
    "metadata-only": EU_ACCESS.NON_PUBLIC,
}
CHECKSUM_ALGORITHMS = {
    "md5": SPDX.checksumAlgorithm_md5,
    "sha1": SPDX.checksumAlgorithm_sha1,
    "sha256": SPDX.checksumAlgorithm_sha256,
    "sha512": SPDX.checksumAlgorithm_sha512,
}


def new_graph() -> Graph:
    # A plain triple store (no named graphs: faster to fill) with only the prefixes we use.
    graph = Graph(store="SimpleMemory", bind_namespaces="core")
    for prefix, namespace in (
        ("dcat", DCAT),
        ("dct", DCTERMS),
        ("foaf", FOAF),
        ("skos", SKOS),
        ("vcard", VCARD),
        ("dcatap", DCATAP),
        ("adms", ADMS),
        ("spdx", SPDX),
        ("eli", ELI),
        ("hydra", HYDRA),
        ("org", ORG),
        ("fdp-o", FDP),
        ("hri", HRI),
    ):
        graph.bind(prefix, namespace)
    return graph


def _when(value: Any) -> Literal:
    """A date or time as xsd:dateTime (Health-RI asks dateTime for issued and modified)."""
    text = str(value)
    if len(text) == 10:  # a date
        return Literal(f"{text}T00:00:00Z", datatype=XSD.dateTime)
    if isinstance(value, datetime):
        return Literal(value.isoformat(), datatype=XSD.dateTime)
    return Literal(text, datatype=XSD.dateTime)


def theme_iri(site: Site, theme: str) -> URIRef:
    return URIRef(site.url(f"/themes/{theme}"))


def catalogue_iri(site: Site, kind: str | None = None) -> URIRef:
    return URIRef(site.url("/catalogue" + (f"/{kind}s" if kind else "")))


def _institution(graph: Graph, site: Site) -> URIRef:
    agent = URIRef(site.institution_ror)
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, RDF.type, FOAF.Organization))
    graph.add((agent, FOAF.name, Literal(site.institution)))
    graph.add((agent, DCTERMS.identifier, Literal(site.institution_ror)))
    graph.add((agent, FOAF.homepage, URIRef(site.institution_ror)))
    graph.add((URIRef(site.institution_ror), RDF.type, FOAF.Document))
    if site.contact_email:
        graph.add((agent, FOAF.mbox, URIRef(f"mailto:{site.contact_email}")))
    return agent


def _agent(graph: Graph, entry: dict[str, Any]) -> URIRef | BNode:
    orcid = entry.get("orcid")
    agent: URIRef | BNode = URIRef(f"https://orcid.org/{orcid}") if orcid else BNode()
    graph.add((agent, RDF.type, FOAF.Agent))
    graph.add((agent, FOAF.name, Literal(entry.get("name") or "")))
    if orcid:
        graph.add((agent, RDF.type, FOAF.Person))
        graph.add((agent, DCTERMS.identifier, Literal(f"https://orcid.org/{orcid}")))
        graph.add((agent, FOAF.homepage, agent))  # the ORCID record is the person's page
    for affiliation in entry.get("affiliations") or []:
        if affiliation.get("ror"):
            organisation = URIRef(affiliation["ror"])
            graph.add((organisation, RDF.type, FOAF.Organization))
            graph.add((organisation, FOAF.name, Literal(affiliation["name"])))
            graph.add((agent, ORG.memberOf, organisation))
    return agent


def _themes(graph: Graph, site: Site, subject: URIRef, themes: Iterable[str]) -> None:
    labels = dict(site.themes)
    for theme in themes:
        concept = theme_iri(site, theme)
        graph.add((subject, DCAT.theme, concept))
        graph.add((concept, RDF.type, SKOS.Concept))
        graph.add((concept, SKOS.prefLabel, Literal(labels.get(theme, theme), lang="en")))
        graph.add((concept, SKOS.inScheme, URIRef(site.url("/themes"))))


def _licence(graph: Graph, url: str) -> URIRef:
    licence = URIRef(url)
    graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
    return licence


def _distribution(
    graph: Graph, record: dict[str, Any], number: int, item: dict[str, Any], site: Site
) -> URIRef:
    # An IRI of its own (Health-RI asks one), under the record's: stable while the record is.
    node = URIRef(site.record_url(record["id"]) + f"#distribution-{number}")
    graph.add((node, RDF.type, DCAT.Distribution))
    landing = site.record_url(record["id"])
    graph.add((node, DCAT.accessURL, URIRef(item.get("access_url") or landing)))
    if item.get("download_url"):
        graph.add((node, DCAT.downloadURL, URIRef(item["download_url"])))
    graph.add((node, DCTERMS.title, Literal(item.get("title") or record.get("title") or "")))
    if item.get("media_type"):
        media = URIRef(IANA + item["media_type"])
        graph.add((node, DCAT.mediaType, media))
        graph.add((media, RDF.type, DCTERMS.MediaType))
    file_type = None
    if item.get("format"):
        file_type = EU_FILE_TYPE[item["format"].upper().replace(" ", "_")]
    elif item.get("media_type"):
        file_type = URIRef(IANA + item["media_type"])
    if file_type is not None:
        graph.add((node, DCTERMS["format"], file_type))
        graph.add((file_type, RDF.type, DCTERMS.MediaTypeOrExtent))
    if item.get("byte_size") is not None:
        graph.add(
            (node, DCAT.byteSize, Literal(item["byte_size"], datatype=XSD.nonNegativeInteger))
        )
    if item.get("checksum"):
        algorithm, _, digest = item["checksum"].partition(":")
        if algorithm.lower() in CHECKSUM_ALGORITHMS:
            checksum = BNode()
            graph.add((node, SPDX.checksum, checksum))
            graph.add((checksum, RDF.type, SPDX.Checksum))
            graph.add((checksum, SPDX.algorithm, CHECKSUM_ALGORITHMS[algorithm.lower()]))
            graph.add((checksum, SPDX.checksumValue, Literal(digest, datatype=XSD.hexBinary)))
    if record.get("license_url"):
        graph.add((node, DCTERMS.license, _licence(graph, record["license_url"])))
    _rights(graph, node, record)
    return node


def _rights(graph: Graph, subject: URIRef, record: dict[str, Any]) -> None:
    term = access_rights().get(record.get("access_right") or "")
    if term:
        statement = URIRef(f"http://purl.org/coar/access_right/{term['coar']}")
        graph.add((subject, DCTERMS.rights, statement))
        graph.add((statement, RDF.type, DCTERMS.RightsStatement))


def add_record(graph: Graph, record: dict[str, Any], site: Site) -> URIRef:
    """Add ``record`` (its wire form, as the caller may see it) to ``graph``; its IRI."""
    subject = URIRef(site.record_url(record["id"]))
    dataset = record.get("kind") == "dataset"
    if dataset:
        graph.add((subject, RDF.type, DCAT.Dataset))
    else:
        graph.add((subject, RDF.type, DCAT.Resource))
        graph.add((subject, RDF.type, DCTERMS.BibliographicResource))
    graph.add((subject, DCTERMS.title, Literal(record.get("title") or "")))
    if record.get("description"):
        graph.add((subject, DCTERMS.description, Literal(record["description"])))
    graph.add((subject, DCTERMS.identifier, Literal(landing_or_doi(record, site))))
    landing = URIRef(site.record_url(record["id"]))
    graph.add((subject, DCAT.landingPage, landing))
    graph.add((landing, RDF.type, FOAF.Document))
    if record.get("doi"):
        identifier = BNode()
        graph.add((subject, ADMS.identifier, identifier))
        graph.add((identifier, RDF.type, ADMS.Identifier))
        graph.add((identifier, SKOS.notation, Literal(record["doi"], datatype=XSD.string)))
        graph.add((identifier, DCTERMS.creator, URIRef("https://doi.org")))
    for creator in record.get("creators") or []:
        graph.add((subject, DCTERMS.creator, _agent(graph, creator)))
    graph.add((subject, DCTERMS.publisher, _institution(graph, site)))
    contact = record.get("contact_point") or {}
    if contact.get("email"):
        kind = BNode()
        graph.add((subject, DCAT.contactPoint, kind))
        graph.add((kind, RDF.type, VCARD.Kind))
        graph.add((kind, VCARD.fn, Literal(contact.get("name") or contact["email"])))
        graph.add((kind, VCARD.hasEmail, URIRef(f"mailto:{contact['email']}")))
    for keyword in record.get("keywords") or []:
        graph.add((subject, DCAT.keyword, Literal(keyword)))
    _themes(graph, site, subject, record.get("themes") or [])
    if record.get("license_url"):
        graph.add((subject, DCTERMS.license, _licence(graph, record["license_url"])))
    if dataset and record.get("access_right") in EU_ACCESS_RIGHTS:
        rights = EU_ACCESS_RIGHTS[record["access_right"]]
        graph.add((subject, DCTERMS.accessRights, rights))
        graph.add((rights, RDF.type, DCTERMS.RightsStatement))
    if record.get("publication_date"):
        graph.add((subject, DCTERMS.issued, _when(record["publication_date"])))
    if record.get("updated"):
        graph.add((subject, DCTERMS.modified, _when(record["updated"])))
    if record.get("version"):
        graph.add((subject, DCAT.version, Literal(record["version"])))
    if record.get("language"):
        language = URIRef(f"http://id.loc.gov/vocabulary/iso639-1/{record['language']}")
        graph.add((subject, DCTERMS.language, language))
        graph.add((language, RDF.type, DCTERMS.LinguisticSystem))
    period = record.get("temporal_coverage") or {}
    if period.get("start") or period.get("end"):
        span = BNode()
        graph.add((subject, DCTERMS.temporal, span))
        graph.add((span, RDF.type, DCTERMS.PeriodOfTime))
        if period.get("start"):
            graph.add((span, DCAT.startDate, _when(period["start"])))
        if period.get("end"):
            graph.add((span, DCAT.endDate, _when(period["end"])))
    # Spatial coverage is free text here; DCAT-AP and Health-RI want a place's IRI (GeoNames,
    # EU places), so it is left to DataCite and schema.org, which take text.
    for law in record.get("applicable_legislation") or []:
        legal = URIRef(law)
        graph.add((subject, DCATAP.applicableLegislation, legal))
        graph.add((legal, RDF.type, ELI.LegalResource))
    for item in record.get("related_identifiers") or []:
        if item.get("scheme") in ("doi", "url"):
            target = item["identifier"]
            url = target if item["scheme"] == "url" else f"https://doi.org/{target}"
            graph.add((subject, DCTERMS.relation, URIRef(url)))
    if record.get("concept_id") and record.get("concept_id") != record["id"]:
        graph.add(
            (subject, DCTERMS.isVersionOf, URIRef(site.url(f"/works/{record['concept_id']}")))
        )
    for number, item in enumerate(record.get("distributions") or [], start=1):
        graph.add((subject, DCAT.distribution, _distribution(graph, record, number, item, site)))
    journal = record.get("journal") or {}
    if journal.get("title"):
        graph.add((subject, DCTERMS.source, Literal(journal["title"])))
    return subject


def record_graph(record: dict[str, Any], site: Site) -> Graph:
    graph = new_graph()
    describe_record_level(graph, site, record, add_record(graph, record, site))
    return graph


def add_catalogue(graph: Graph, site: Site, counts: dict[str, int]) -> URIRef:
    """The catalogue, its sub-catalogue per kind and the theme scheme (no records)."""
    root = catalogue_iri(site)
    publisher = _institution(graph, site)
    contact = BNode()
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, VCARD.fn, Literal(site.institution)))
    if site.contact_email:
        graph.add((contact, VCARD.hasEmail, URIRef(f"mailto:{site.contact_email}")))
    scheme = URIRef(site.url("/themes"))
    graph.add((scheme, RDF.type, SKOS.ConceptScheme))
    graph.add((scheme, DCTERMS.title, Literal("Innovation themes", lang="en")))
    for theme, label in site.themes:
        concept = theme_iri(site, theme)
        graph.add((concept, RDF.type, SKOS.Concept))
        graph.add((concept, SKOS.prefLabel, Literal(label, lang="en")))
        graph.add((concept, SKOS.inScheme, scheme))
        graph.add((scheme, SKOS.hasTopConcept, concept))
    parts = {None: site.name, "dataset": "Datasets", "publication": "Publications"}
    for kind, title in parts.items():
        catalogue = catalogue_iri(site, kind)
        graph.add((catalogue, RDF.type, DCAT.Catalog))
        name = title if kind is None else f"{site.name}: {title.lower()}"
        graph.add((catalogue, DCTERMS.title, Literal(name, lang="en")))
        what = "research datasets and publications" if kind is None else f"{title.lower()}"
        count = sum(counts.values()) if kind is None else counts.get(kind, 0)
        graph.add(
            (
                catalogue,
                DCTERMS.description,
                Literal(f"The {what} of {site.institution}: {count} published.", lang="en"),
            )
        )
        graph.add((catalogue, DCTERMS.publisher, publisher))
        graph.add((catalogue, DCAT.contactPoint, contact))
        home = URIRef(site.url("/"))
        graph.add((catalogue, FOAF.homepage, home))
        graph.add((home, RDF.type, FOAF.Document))
        graph.add((catalogue, DCAT.themeTaxonomy, scheme))
        if kind is not None:
            graph.add((root, DCAT.catalog, catalogue))
    return root


def add_member(graph: Graph, site: Site, record: dict[str, Any], subject: URIRef) -> None:
    """``subject`` as a member of its kind's sub-catalogue."""
    catalogue = catalogue_iri(site, record.get("kind"))
    if record.get("kind") == "dataset":
        graph.add((catalogue, DCAT.dataset, subject))
    else:
        graph.add((catalogue, DCAT.resource, subject))


# -- the FAIR Data Point (specs.fairdatapoint.org, v1.2) ------------------------------------

FDP_SPEC = URIRef("https://specs.fairdatapoint.org/fdp-specs-v1.2.html")
# The profiles (SHACL shapes) each level of metadata conforms to: Health-RI's core profile.
PROFILES = {
    "fdp": HRI.CatalogShape,  # the Health-RI core profile names no shape for the service
    "catalog": HRI.CatalogShape,
    "dataset": HRI.DatasetShape,
    "publication": HRI.ResourceShape,
}


def _metadata_about(
    graph: Graph,
    subject: URIRef,
    level: str,
    issued: datetime | None,
    modified: datetime | None,
) -> None:
    """The FDP's metadata about a metadata record: its identifier, dates and profile."""
    identifier = URIRef(str(subject) + "#identifier")
    graph.add((subject, FDP.metadataIdentifier, identifier))
    graph.add((identifier, RDF.type, ADMS.Identifier))
    graph.add((identifier, SKOS.notation, Literal(str(subject), datatype=XSD.string)))
    if issued:
        graph.add((subject, FDP.metadataIssued, _when(issued)))
    if modified:
        graph.add((subject, FDP.metadataModified, _when(modified)))
    graph.add((subject, DCTERMS.conformsTo, PROFILES[level]))
    graph.add((PROFILES[level], RDF.type, DCTERMS.Standard))


def fdp_iri(site: Site) -> URIRef:
    return URIRef(site.url("/fdp"))


def add_fdp(
    graph: Graph,
    site: Site,
    version: str,
    issued: datetime | None,
    modified: datetime | None,
) -> URIRef:
    """The FAIR Data Point itself: a metadata service whose catalogue is the catalogue."""
    service = fdp_iri(site)
    for kind in (FDP.MetadataService, FDP.FAIRDataPoint, DCAT.Resource):
        graph.add((service, RDF.type, kind))
    graph.add((service, DCTERMS.title, Literal(f"{site.name} (FAIR Data Point)", lang="en")))
    graph.add(
        (
            service,
            DCTERMS.description,
            Literal(
                f"The research datasets and publications of {site.institution}, "
                "as DCAT-AP with the Health-RI core profile.",
                lang="en",
            ),
        )
    )
    graph.add((service, DCTERMS.publisher, _institution(graph, site)))
    graph.add((service, DCTERMS.hasVersion, Literal(version)))
    graph.add((service, FDP.hasSoftwareVersion, Literal(version)))
    graph.add((service, FDP.conformsToFdpSpec, FDP_SPEC))
    graph.add((service, DCAT.endpointURL, service))
    graph.add((service, DCAT.endpointDescription, URIRef(site.url("/api/openapi.json"))))
    graph.add((service, FDP.uiLanguage, URIRef("http://id.loc.gov/vocabulary/iso639-1/en")))
    # The metadata is free to reuse (CC0), for anyone.
    graph.add((service, DCTERMS.license, _licence(graph, "https://spdx.org/licenses/CC0-1.0.html")))
    graph.add((service, DCTERMS.accessRights, EU_ACCESS.PUBLIC))
    graph.add((EU_ACCESS.PUBLIC, RDF.type, DCTERMS.RightsStatement))
    graph.add((service, FDP.metadataCatalog, catalogue_iri(site)))
    _metadata_about(graph, service, "fdp", issued, modified)
    return service


def describe_catalogue_levels(
    graph: Graph, site: Site, issued: datetime | None, modified: datetime | None
) -> None:
    """FDP metadata for the catalogue and its sub-catalogues (they are FDP catalogs; the FDP
    names its catalogue with ``fdp-o:metadataCatalog``: DCAT-AP keeps ``dct:isPartOf`` of a
    catalogue for catalogues)."""
    for kind in (None, "dataset", "publication"):
        _metadata_about(graph, catalogue_iri(site, kind), "catalog", issued, modified)


def describe_record_level(
    graph: Graph, site: Site, record: dict[str, Any], subject: URIRef
) -> None:
    """FDP metadata for a record: when its metadata was issued and changed, its profile."""
    level = "dataset" if record.get("kind") == "dataset" else "publication"
    _metadata_about(
        graph,
        subject,
        level,
        _parse_time(record.get("created")),
        _parse_time(record.get("updated")),
    )
    graph.add((subject, DCTERMS.isPartOf, catalogue_iri(site, record.get("kind"))))


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def stream_turtle(
    pages: Iterable[Iterable[dict[str, Any]]], site: Site, counts: dict[str, int]
) -> Iterator[str]:
    """The whole catalogue as one Turtle document, written a page of records at a time (the
    memory is that of one page). The pages are N-Triples, the subset of Turtle every RDF
    reader takes: rdflib writes it several times faster than pretty Turtle, and blank node
    labels stay unique across pages."""
    head = new_graph()
    add_catalogue(head, site, counts)
    yield head.serialize(format="nt")
    for records in pages:
        graph = new_graph()
        for record in records:
            subject = add_record(graph, record, site)
            describe_record_level(graph, site, record, subject)
            add_member(graph, site, record, subject)
        text = graph.serialize(format="nt")
        del graph  # before the next page is read: one page in memory at a time
        yield text
