"""DCAT-AP 3.0.1 and the Health-RI core profile v2, checked with pyshacl against the shapes
as published (../shared/standards). One Health-RI rule is skipped, named below with why."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from tests.integration.conftest import as_user, minimal_dataset, minimal_publication, publish
from tests.integration.test_exports import EVERY_FIELD
from tests.standards import dcat_ap_shapes, health_ri_shapes, violations

BASE = "http://catalogue.test"  # the tests' base URL (tests/integration/conftest.py)
GDPR = "http://data.europa.eu/eli/reg/2016/679/oj"
# Every field, every creator with an ORCID iD (a creator is an agent Health-RI identifies).
COMPLETE = {
    **EVERY_FIELD,
    "doi": None,
    "applicable_legislation": [GDPR],
    "creators": [
        EVERY_FIELD["creators"][0],
        {"name": "Bakker, Eva", "orcid": "0000-0002-1694-233X"},
    ],
}
# Skipped on purpose: Health-RI's AgentShape asks every foaf:Agent for an e-mail address
# (foaf:mbox), creators included. The catalogue keeps no e-mail address of the people who
# made a dataset (personal data it does not need; their ORCID iD reaches them, and the
# dataset's contact point is the address to write to). The institution, as publisher, has
# one, and the test checks that.
SKIPPED_RULE = URIRef("http://data.health-ri.nl/core/p2/AgentShape#foaf:mbox")


def health_ri_without_skipped_rule() -> Graph:
    shapes = Graph()
    for triple in health_ri_shapes():
        shapes.add(triple)
    for shape in list(shapes.subjects(SH.property, SKIPPED_RULE)):
        shapes.remove((shape, SH.property, SKIPPED_RULE))
    return shapes


def catalogue_graph(client: FlaskClient) -> Graph:
    answer = client.get("/catalogue?size=10000", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200 and answer.mimetype == "text/turtle"
    return Graph().parse(data=answer.data, format="turtle")


def test_a_complete_catalogue_conforms_to_dcat_ap_and_health_ri(
    contact_app: Flask, client: FlaskClient
) -> None:
    publish(client, "datasets", COMPLETE)
    publish(client, "datasets", {**COMPLETE, "title": "Second", "access_right": "restricted"})
    author = {"name": "Jansen, Anna", "orcid": "0000-0002-1825-0097"}
    publish(client, "publications", minimal_publication(creators=[author]))

    graph = catalogue_graph(client)

    assert violations(graph, dcat_ap_shapes()) == []
    assert violations(graph, health_ri_without_skipped_rule()) == []
    publisher = URIRef("https://ror.org/05xvt9f17")
    assert (publisher, URIRef("http://xmlns.com/foaf/0.1/mbox"), None) in graph


def test_a_dataset_missing_what_health_ri_requires_gets_exactly_those_violations(
    contact_app: Flask, client: FlaskClient
) -> None:
    lacking = {
        **COMPLETE,
        "keywords": [],
        "contact_point": None,
        "applicable_legislation": [],
        "creators": [{"name": "Jansen, Anna"}],  # no ORCID iD
    }
    record = publish(client, "datasets", lacking)

    graph = Graph().parse(
        data=client.get(f"/records/{record['id']}?format=dcat-turtle").data, format="turtle"
    )

    subject = f"{BASE}/records/{record['id']}"
    found = {
        (focus == subject, path, kind)
        for focus, path, kind, _ in violations(graph, health_ri_without_skipped_rule())
    }
    assert found == {
        (True, "http://www.w3.org/ns/dcat#keyword", "MinCountConstraintComponent"),
        (True, "http://www.w3.org/ns/dcat#contactPoint", "MinCountConstraintComponent"),
        (True, "http://data.europa.eu/r5r/applicableLegislation", "MinCountConstraintComponent"),
        (True, "http://purl.org/dc/terms/creator", "NodeConstraintComponent"),
        (False, "http://purl.org/dc/terms/identifier", "MinCountConstraintComponent"),
        (False, "http://xmlns.com/foaf/0.1/homepage", "MinCountConstraintComponent"),
    }
    assert violations(graph, dcat_ap_shapes()) == []  # DCAT-AP asks none of these
    # ...and the FAIR assessment names exactly these as the record's Health-RI gaps.
    as_fields = {
        "http://www.w3.org/ns/dcat#keyword": "keywords",
        "http://www.w3.org/ns/dcat#contactPoint": "contact_point",
        "http://data.europa.eu/r5r/applicableLegislation": "applicable_legislation",
        "http://purl.org/dc/terms/creator": "creators.orcid",
        "http://purl.org/dc/terms/identifier": "creators.orcid",
        "http://xmlns.com/foaf/0.1/homepage": "creators.orcid",
    }
    fair = client.get(f"/api/datasets/{record['id']}/fair").json
    [hint] = [gap["hint"] for gap in fair["gaps"] if gap["test"] == "HRI-R1.3-01M-1"]
    named = set(hint.split("(fields: ")[1].rstrip(").").split(", "))
    assert named == {as_fields[path] for _, path, _ in found}


def test_restricted_links_and_drafts_stay_out_of_the_catalogue(client: FlaskClient) -> None:
    marker = "quokkamarker"
    publish(
        client,
        "datasets",
        minimal_dataset(
            access_right="restricted",
            distributions=[{"access_url": f"https://vault.example.org/{marker}", "format": "CSV"}],
        ),
    )
    client.post("/api/datasets", json=minimal_dataset(title=marker), headers=as_user("anna"))

    for accept in ("text/turtle", "application/ld+json", "application/rdf+xml"):
        answer = client.get("/catalogue", headers={"Accept": accept})
        assert answer.mimetype == accept
        assert marker not in answer.get_data(as_text=True)


def test_the_catalogue_pages_and_says_what_changed_since(client: FlaskClient) -> None:
    made = [publish(client, "datasets", minimal_dataset(title=f"Set {n}")) for n in range(3)]

    seen: list[str] = []
    url: str | None = "/catalogue/datasets?size=2"
    while url:
        answer = client.get(url, headers={"Accept": "text/turtle"})
        graph = Graph().parse(data=answer.data, format="turtle")
        seen += [
            str(s)
            for s in graph.subjects(
                URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                URIRef("http://www.w3.org/ns/dcat#Dataset"),
            )
        ]
        following = answer.headers.get("Link")
        url = following.split(">")[0].lstrip("<").replace(BASE, "") if following else None
    assert sorted(seen) == sorted(f"{BASE}/records/{r['id']}" for r in made)
    later = client.get("/catalogue?modified_since=2999-01-01", headers={"Accept": "text/turtle"})
    assert b"dcat:Dataset" not in later.data.replace(b"a dcat:Catalog", b"")
    bad = client.get("/catalogue?modified_since=yesterday")
    assert bad.status_code == 422 and "modified_since" in bad.json["errors"]["query"]


def test_the_whole_catalogue_is_dumped_as_anyone_may_see_it(
    app: Flask, client: FlaskClient, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from catalogue.cli import main

    for name, value in app.extensions["catalogue"].settings.to_environ().items():
        monkeypatch.setenv(name, value)
    marker = "wombatmarker"
    shown = publish(client, "datasets", COMPLETE)
    publish(
        client,
        "datasets",
        minimal_dataset(
            access_right="restricted",
            distributions=[{"access_url": f"https://vault.example.org/{marker}", "format": "CSV"}],
        ),
    )
    client.post("/api/datasets", json=minimal_dataset(title=marker), headers=as_user("anna"))
    target = tmp_path / "catalogue.ttl"

    done = CliRunner().invoke(main, ["export", "dcat", "--output", str(target)])

    assert done.exit_code == 0, done.output
    text = target.read_text()
    assert marker not in text
    graph = Graph().parse(data=text, format="turtle")
    datasets = set(
        graph.subjects(
            URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            URIRef("http://www.w3.org/ns/dcat#Dataset"),
        )
    )
    assert len(datasets) == 2 and URIRef(f"{BASE}/records/{shown['id']}") in datasets
    assert violations(graph, dcat_ap_shapes()) == []
