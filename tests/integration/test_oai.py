"""The OAI-PMH data provider: every answer against the official OAI-PMH.xsd, oai_datacite
against the DataCite XSD, a real harvester (sickle) over HTTP with resumption tokens, a
harvest while records change, and each protocol error by its name."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sickle import Sickle
from werkzeug.serving import make_server

from catalogue.web import oai
from tests.integration.conftest import as_user, minimal_dataset, minimal_publication, publish
from tests.integration.test_exports import EVERY_FIELD
from tests.standards import datacite_schema, oai_schema

NS = {"o": "http://www.openarchives.org/OAI/2.0/", "dc": "http://datacite.org/schema/kernel-4"}
PREFIX = "oai:catalogue.test:"


def ask(client: FlaskClient, **args: str) -> etree._Element:
    answer = client.get("/oai", query_string=args)
    assert answer.status_code == 200 and answer.mimetype == "text/xml"
    oai_schema().validate(answer.data)
    return etree.fromstring(answer.data)


def error_code(client: FlaskClient, **args: str) -> str:
    found = ask(client, **args).xpath("//o:error/@code", namespaces=NS)
    assert len(found) == 1, found
    return str(found[0])


def withdraw(client: FlaskClient, record: dict[str, Any]) -> None:
    kind = "datasets" if record["kind"] == "dataset" else "publications"
    done = client.post(
        f"/api/{kind}/{record['id']}/withdraw",
        json={"reason": "Consent was withdrawn."},
        headers=as_user("anna", **{"If-Match": f'"{record["revision"]}"'}),
    )
    assert done.status_code == 200, done.json


@pytest.fixture()
def catalogue(client: FlaskClient) -> dict[str, Any]:
    dataset = publish(client, "datasets", EVERY_FIELD)
    article = publish(client, "publications", minimal_publication())
    gone = publish(client, "datasets", minimal_dataset(title="Withdrawn set"))
    withdraw(client, gone)
    draft = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    return {"dataset": dataset, "article": article, "gone": gone, "draft": draft}


def test_every_verb_answers_valid_oai_pmh(client: FlaskClient, catalogue: dict[str, Any]) -> None:
    identify = ask(client, verb="Identify")
    assert identify.xpath("//o:deletedRecord/text()", namespaces=NS) == ["persistent"]
    assert identify.xpath("//o:granularity/text()", namespaces=NS) == ["YYYY-MM-DDThh:mm:ssZ"]
    formats = ask(client, verb="ListMetadataFormats")
    assert formats.xpath("//o:metadataPrefix/text()", namespaces=NS) == [
        "oai_dc",
        "oai_datacite",
        "dcat_ap",
    ]
    sets = ask(client, verb="ListSets").xpath("//o:setSpec/text()", namespaces=NS)
    assert {"kind:dataset", "kind:publication", "theme:neuroscience"} <= set(sets)
    for prefix in oai.FORMATS:
        listed = ask(client, verb="ListRecords", metadataPrefix=prefix)
        headers = listed.xpath("//o:header", namespaces=NS)
        assert len(headers) == 3  # two published, one withdrawn; never the draft
        one = ask(
            client,
            verb="GetRecord",
            identifier=PREFIX + catalogue["dataset"]["id"],
            metadataPrefix=prefix,
        )
        assert one.xpath("//o:metadata/*", namespaces=NS)
    identifiers = ask(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert sorted(identifiers.xpath("//o:identifier/text()", namespaces=NS)) == sorted(
        PREFIX + catalogue[name]["id"] for name in ("dataset", "article", "gone")
    )


def test_oai_datacite_payloads_are_valid_datacite(
    client: FlaskClient, catalogue: dict[str, Any]
) -> None:
    listed = ask(client, verb="ListRecords", metadataPrefix="oai_datacite")

    resources = listed.xpath("//o:metadata/dc:resource", namespaces=NS)

    assert len(resources) == 2
    for resource in resources:
        datacite_schema().validate(etree.tostring(resource))


def test_withdrawn_records_are_deleted_headers_without_metadata(
    client: FlaskClient, catalogue: dict[str, Any]
) -> None:
    answer = ask(
        client,
        verb="GetRecord",
        identifier=PREFIX + catalogue["gone"]["id"],
        metadataPrefix="oai_dc",
    )

    assert answer.xpath("//o:header/@status", namespaces=NS) == ["deleted"]
    assert answer.xpath("//o:metadata", namespaces=NS) == []


def test_sets_and_dates_select(client: FlaskClient, catalogue: dict[str, Any]) -> None:
    datasets = ask(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="kind:dataset")
    found = datasets.xpath("//o:identifier/text()", namespaces=NS)
    assert sorted(found) == sorted(PREFIX + catalogue[n]["id"] for n in ("dataset", "gone"))
    assert error_code(
        client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="theme:none"
    ) == ("noRecordsMatch")
    assert error_code(client, verb="ListRecords", metadataPrefix="oai_dc", until="2000-01-01") == (
        "noRecordsMatch"
    )
    recent = ask(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": "2000-01-01"})
    assert len(recent.xpath("//o:header", namespaces=NS)) == 3


@pytest.mark.parametrize(
    ("args", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "ListEverything"}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "colour": "red"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2024-01-01",
                "until": "2025-01-01T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2025-01-02",
                "until": "2025-01-01",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
        (
            {"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"},
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "colour:red"}, "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:elsewhere:1"},
            "idDoesNotExist",
        ),
        ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
        ({"verb": "Identify", "metadataPrefix": "oai_dc"}, "badArgument"),
    ],
)
def test_each_error_is_named_as_the_protocol_names_it(
    client: FlaskClient, catalogue: dict[str, Any], args: dict[str, str], code: str
) -> None:
    assert error_code(client, **args) == code


def test_a_draft_does_not_exist_and_repeated_arguments_are_refused(
    client: FlaskClient, catalogue: dict[str, Any]
) -> None:
    draft = PREFIX + catalogue["draft"]["id"]
    assert error_code(client, verb="GetRecord", metadataPrefix="oai_dc", identifier=draft) == (
        "idDoesNotExist"
    )
    answer = client.get("/oai?verb=Identify&verb=Identify")
    oai_schema().validate(answer.data)
    assert b'code="badArgument"' in answer.data
    posted = client.post("/oai", data={"verb": "Identify"})
    assert b"<Identify>" in posted.data


@pytest.fixture()
def served(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/oai"
    server.shutdown()
    thread.join(timeout=5)


def test_a_harvester_gets_exactly_the_published_records_page_by_page(
    client: FlaskClient, served: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oai, "PAGE_SIZE", 2)
    published = [publish(client, "datasets", minimal_dataset(title=f"Set {n}")) for n in range(5)]
    gone = published.pop()
    withdraw(client, gone)
    client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna"))

    harvested = list(
        Sickle(served).ListRecords(metadataPrefix="oai_datacite", ignore_deleted=False)
    )

    ids = [record.header.identifier for record in harvested]
    assert sorted(ids) == sorted(PREFIX + r["id"] for r in [*published, gone])
    assert len(ids) == len(set(ids))
    assert [r.header.identifier for r in harvested if r.header.deleted] == [PREFIX + gone["id"]]


def test_a_harvest_while_records_change_loses_and_repeats_nothing(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oai, "PAGE_SIZE", 2)
    made = sorted(
        (publish(client, "datasets", minimal_dataset(title=f"Set {n}")) for n in range(6)),
        key=lambda record: record["id"],
    )
    first = ask(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    seen = first.xpath("//o:identifier/text()", namespaces=NS)
    token = first.xpath("//o:resumptionToken/text()", namespaces=NS)[0]
    # Between pages: a record not yet harvested changes, one already harvested changes,
    # one not yet harvested is withdrawn.
    for record, title in ((made[4], "Changed later"), (made[0], "Changed earlier")):
        changed = client.put(
            f"/api/datasets/{record['id']}",
            json=minimal_dataset(title=title),
            headers=as_user("anna", **{"If-Match": f'"{record["revision"]}"'}),
        )
        assert changed.status_code == 200, changed.json
    withdraw(client, made[5])
    while token:
        page = ask(client, verb="ListIdentifiers", resumptionToken=token)
        seen += page.xpath("//o:identifier/text()", namespaces=NS)
        found = page.xpath("//o:resumptionToken/text()", namespaces=NS)
        token = found[0] if found else ""

    assert sorted(seen) == sorted(PREFIX + r["id"] for r in made)
    assert len(seen) == len(set(seen))


def test_a_resumption_token_expires_cleanly(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oai, "PAGE_SIZE", 1)
    for n in range(2):
        publish(client, "datasets", minimal_dataset(title=f"Set {n}"))
    first = ask(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.xpath("//o:resumptionToken/text()", namespaces=NS)[0]
    assert first.xpath("//o:resumptionToken/@expirationDate", namespaces=NS)
    assert first.xpath("//o:resumptionToken/@completeListSize", namespaces=NS) == ["2"]

    monkeypatch.setattr(oai, "TOKEN_LIFETIME", oai.TOKEN_LIFETIME * 0)

    assert error_code(client, verb="ListIdentifiers", resumptionToken=token) == "badResumptionToken"
