"""The FAIR Data Point: followed from its root the way an FDP index crawls it, and its ping
to an index (a local stand-in server) when records change."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, RDF

from catalogue.adapters.fdp_index import IndexPinger
from tests.integration.conftest import minimal_dataset, publish
from tests.integration.test_dcat import BASE
from tests.standards import dcat_ap_shapes, violations

FDP = Namespace("https://w3id.org/fdp/fdp-o#")


def fetch(client: FlaskClient, url: str) -> Graph:
    answer = client.get(url.replace(BASE, ""), headers={"Accept": "text/turtle"})
    assert answer.status_code == 200 and answer.mimetype == "text/turtle", url
    return Graph().parse(data=answer.data, format="turtle")


def test_an_index_crawls_from_the_root_to_the_distributions(client: FlaskClient) -> None:
    record = publish(client, "datasets", minimal_dataset())

    root = fetch(client, f"{BASE}/fdp")

    service = URIRef(f"{BASE}/fdp")
    assert (service, RDF.type, FDP.MetadataService) in root
    assert (
        service,
        FDP.conformsToFdpSpec,
        URIRef("https://specs.fairdatapoint.org/fdp-specs-v1.2.html"),
    ) in root
    assert root.value(service, FDP.metadataIdentifier) is not None
    assert root.value(service, FDP.metadataIssued) is not None
    assert root.value(service, FDP.metadataModified) is not None
    assert violations(root, dcat_ap_shapes()) == []
    catalogue = root.value(service, FDP.metadataCatalog)
    top = fetch(client, str(catalogue))
    datasets = [
        part for part in top.objects(catalogue, DCAT.catalog) if str(part).endswith("/datasets")
    ]
    assert len(datasets) == 1
    listing = fetch(client, str(datasets[0]))
    assert (datasets[0], URIRef("http://purl.org/dc/terms/conformsTo"), None) in listing
    found = list(listing.objects(datasets[0], DCAT.dataset))
    assert found == [URIRef(f"{BASE}/records/{record['id']}")]
    dataset = fetch(client, str(found[0]))
    assert (found[0], RDF.type, DCAT.Dataset) in dataset
    assert dataset.value(found[0], FDP.metadataIssued) is not None
    assert list(dataset.objects(found[0], DCAT.distribution))


@pytest.fixture()
def index() -> Iterator[list[dict[str, Any]]]:
    """A stand-in FDP index that records the pings it gets."""
    pings: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the http.server API names it
            length = int(self.headers["Content-Length"])
            pings.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pings.append({"url": f"http://127.0.0.1:{server.server_port}/"})
    yield pings
    server.shutdown()


def wait_for(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_changes_ping_the_index_once_per_interval(
    app: Flask, client: FlaskClient, index: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = index.pop(0)["url"]
    pinger = IndexPinger(url, f"{BASE}/fdp", interval=1.0)
    monkeypatch.setattr(app.extensions["catalogue"].indexer, "on_change", pinger.changed)

    for n in range(3):  # a burst: the first pings at once, the rest wait for one more ping
        publish(client, "datasets", minimal_dataset(title=f"Set {n}"))

    wait_for(lambda: len(index) >= 1)
    assert index[0] == {"clientUrl": f"{BASE}/fdp"}
    wait_for(lambda: len(index) >= 2)
    time.sleep(1.5)
    assert len(index) == 2
