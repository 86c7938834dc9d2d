"""Leak probes over everything machines read: a draft and a restricted dataset hold marker
words, and no export, harvest, catalogue, FAIR Data Point or sitemap shows them to an
anonymous caller."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from catalogue.services.exports.formats import FORMATS
from catalogue.web import oai
from tests.integration.conftest import as_user, minimal_dataset, publish

DRAFT_MARKER = "platypusdraftmarker"
LINK_MARKER = "narwhallinkmarker"


def test_no_machine_interface_shows_a_draft_or_a_restricted_link(client: FlaskClient) -> None:
    restricted = publish(
        client,
        "datasets",
        minimal_dataset(
            access_right="restricted",
            distributions=[
                {"access_url": f"https://vault.example.org/{LINK_MARKER}", "format": "CSV"}
            ],
        ),
    )
    draft = client.post(
        "/api/datasets",
        json=minimal_dataset(title=f"Draft {DRAFT_MARKER}"),
        headers=as_user("anna"),
    ).json
    rid, did = restricted["id"], draft["id"]
    urls = [f"/records/{rid}?format={name}" for name in FORMATS]
    urls += [f"/records/{rid}", f"/records/{rid}/linkset", "/fdp", "/themes", "/robots.txt"]
    urls += [f"/catalogue?format={name}" for name in ("dcat-turtle", "dcat-jsonld", "dcat-rdfxml")]
    urls += ["/catalogue/datasets", "/sitemap.xml", "/sitemaps/records-1.xml"]
    for prefix in oai.FORMATS:
        urls.append(f"/oai?verb=ListRecords&metadataPrefix={prefix}")
        urls.append(
            f"/oai?verb=GetRecord&metadataPrefix={prefix}&identifier=oai:catalogue.test:{did}"
        )
    urls += ["/oai?verb=ListIdentifiers&metadataPrefix=oai_dc", "/oai?verb=ListSets"]

    for url in urls:
        answer = client.get(url, headers={"Accept": "text/html"} if "?" not in url else {})
        text = answer.get_data(as_text=True) + " ".join(answer.headers.values())
        assert answer.status_code < 500, url
        # The draft's id may only come back where the caller sent it (OAI echoes the request).
        markers = (DRAFT_MARKER, LINK_MARKER) if did in url else (DRAFT_MARKER, LINK_MARKER, did)
        for marker in markers:
            assert marker not in text, (marker, url)
        if did in url:
            assert 'code="idDoesNotExist"' in text, url
    assert re.search(rid, client.get("/sitemaps/records-1.xml").get_data(as_text=True))
    for name in FORMATS:  # the draft itself is not there at all
        assert client.get(f"/records/{did}?format={name}").status_code == 404
