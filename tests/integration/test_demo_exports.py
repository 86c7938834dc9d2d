"""The demo's records, as a newcomer meets them, through every export check at once:
DataCite XML of every record against the XSD, the catalogue against DCAT-AP, and against
Health-RI with each remaining violation one the FAIR assessment names as that dataset's gap."""

from __future__ import annotations

from collections import defaultdict

from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from catalogue.cli.demo import load_demo
from tests.integration.test_dcat import BASE, health_ri_without_skipped_rule
from tests.standards import datacite_schema, dcat_ap_shapes, violations

# How a Health-RI violation reads as the record field the FAIR hint names.
AS_FIELD = {
    "http://www.w3.org/ns/dcat#keyword": "keywords",
    "http://www.w3.org/ns/dcat#contactPoint": "contact_point",
    "http://data.europa.eu/r5r/applicableLegislation": "applicable_legislation",
    "http://www.w3.org/ns/dcat#theme": "themes",
    "http://purl.org/dc/terms/description": "description",
    "http://purl.org/dc/terms/creator": "creators.orcid",
    # on a distribution ({record}#distribution-n)
    "http://purl.org/dc/terms/format": "distributions.format",
    "http://www.w3.org/ns/dcat#byteSize": "distributions.byte_size",
    "http://purl.org/dc/terms/license": "license",
}
DATASET = URIRef("http://www.w3.org/ns/dcat#Dataset")


def test_the_demo_passes_the_official_schemas(contact_app: Flask, client: FlaskClient) -> None:
    load_demo(contact_app.extensions["catalogue"].db, 40, 40, seed=7)
    records = []
    for kind in ("datasets", "publications"):
        records += client.get(f"/api/{kind}?size=100").json["hits"]
    assert len(records) > 60

    for record in records:
        answer = client.get(f"/records/{record['id']}?format=datacite-xml")
        datacite_schema().validate(answer.data)

    turtle = client.get("/catalogue?size=10000", headers={"Accept": "text/turtle"}).data
    graph = Graph().parse(data=turtle, format="turtle")
    assert violations(graph, dcat_ap_shapes()) == []

    # Health-RI: what remains is what the records lack, each named by their FAIR assessment.
    creators_of = defaultdict(set)
    for dataset, agent in graph.subject_objects(DCTERMS.creator):
        creators_of[str(agent)].add(str(dataset))
    lacking: dict[str, set[str]] = defaultdict(set)
    for focus, path, _kind, _shape in violations(graph, health_ri_without_skipped_rule()):
        if path in AS_FIELD and focus.startswith(f"{BASE}/records/"):
            lacking[focus].add(AS_FIELD[path])
        else:  # an agent without an identifier: a creator without an ORCID iD
            assert path in (str(DCTERMS.identifier), "http://xmlns.com/foaf/0.1/homepage"), path
            for dataset in creators_of[focus]:
                if (
                    URIRef(dataset),
                    RDF.type,
                    URIRef("http://www.w3.org/ns/dcat#Dataset"),
                ) in graph:
                    lacking[dataset].add("creators.orcid")
    assert lacking  # the demo has gaps on purpose, for the reports to show
    for dataset, fields in lacking.items():
        fair = client.get(f"/api/datasets/{dataset.rsplit('/', 1)[1]}/fair").json
        [hint] = [gap["hint"] for gap in fair["gaps"] if gap["test"] == "HRI-R1.3-01M-1"]
        assert set(hint.split("(fields: ")[1].rstrip(").").split(", ")) == fields, dataset
