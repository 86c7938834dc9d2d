"""The record for machines: each format against its official schema, content negotiation,
signposting, schema.org as search engines read it, and what an export must never show."""

from __future__ import annotations

from typing import Any

import extruct
import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree

from tests.integration.conftest import as_user, minimal_dataset, minimal_publication, publish
from tests.standards import datacite_schema

DC = {"dc": "http://datacite.org/schema/kernel-4"}

EVERY_FIELD: dict[str, Any] = minimal_dataset(
    doi="10.34894/EVERY1",
    title="Sleep & shift work: <every> field",
    description="Two weeks of sleep diaries from 120 nurses on rotating shifts, with actigraphy.",
    keywords=["sleep", "shift work"],
    creators=[
        {
            "name": "Jansen, Anna",
            "orcid": "0000-0002-1825-0097",
            "affiliations": [{"name": "Leiden University Medical Center", "ror": "05xvt9f17"}],
        },
        {"name": "Leiden Sleep Consortium"},
    ],
    contributors=[{"name": "de Vries, Bram", "role": "DataCurator"}],
    publisher="DataverseNL",
    language="en",
    version="2.1",
    related_identifiers=[
        {"identifier": "10.1212/WNL.0000000000001234", "relation_type": "IsCitedBy"},
        {"identifier": "https://github.com/lumc/sleep", "relation_type": "IsSupplementedBy"},
    ],
    funding=[
        {
            "funder_name": "ZonMw",
            "funder_identifier": "https://ror.org/01yaj9a77",
            "award_number": "09150172010047",
            "award_title": "Sleep in shifts",
        },
        {"funder_name": "NWO", "funder_identifier": "10.13039/501100003246"},
    ],
    dates=[{"date": "2023-01-01", "type": "Collected", "information": "first diary"}],
    contact_point={"name": "Data desk", "email": "data@lumc.nl"},
    temporal_coverage={"start": "2023-01-01", "end": "2023-06-30"},
    spatial_coverage="Leiden, the Netherlands",
)


def test_datacite_xml_of_a_record_with_every_field_is_valid_and_keeps_the_values(
    client: FlaskClient,
) -> None:
    record = publish(client, "datasets", EVERY_FIELD)

    answer = client.get(
        f"/records/{record['id']}", headers={"Accept": "application/vnd.datacite.datacite+xml"}
    )

    assert answer.status_code == 200
    assert answer.mimetype == "application/vnd.datacite.datacite+xml"
    datacite_schema().validate(answer.data)
    xml = etree.fromstring(answer.data)

    def text(path: str) -> list[str]:
        return [str(node) for node in xml.xpath(path, namespaces=DC)]

    assert text("dc:identifier[@identifierType='DOI']/text()") == ["10.34894/every1"]
    assert text("dc:titles/dc:title/text()") == ["Sleep & shift work: <every> field"]
    assert text("dc:creators/dc:creator/dc:creatorName/text()") == [
        "Jansen, Anna",
        "Leiden Sleep Consortium",
    ]
    assert text("dc:creators/dc:creator/dc:creatorName/@nameType") == [
        "Personal",
        "Organizational",
    ]
    assert text("dc:creators/dc:creator/dc:nameIdentifier/text()") == [
        "https://orcid.org/0000-0002-1825-0097"
    ]
    assert text("dc:creators/dc:creator/dc:affiliation/@affiliationIdentifier") == [
        "https://ror.org/05xvt9f17"
    ]
    assert text("dc:contributors/dc:contributor/@contributorType") == [
        "DataCurator",
        "ContactPerson",
    ]
    assert text("dc:publisher/text()") == ["DataverseNL"]
    assert text("dc:publicationYear/text()") == ["2024"]
    assert text("dc:resourceType/@resourceTypeGeneral") == ["Dataset"]
    assert text("dc:version/text()") == ["2.1"] and text("dc:language/text()") == ["en"]
    assert set(text("dc:subjects/dc:subject/text()")) == {"sleep", "shift work", "neuroscience"}
    types, values = text("dc:dates/dc:date/@dateType"), text("dc:dates/dc:date/text()")
    dates = dict(zip(types, values, strict=True))
    assert dates["Collected"] == "2023-01-01" and dates["Issued"] == "2024-05-01"
    assert dates["Coverage"] == "2023-01-01/2023-06-30"
    assert text("dc:relatedIdentifiers/dc:relatedIdentifier/@relatedIdentifierType") == [
        "DOI",
        "URL",
    ]
    assert text("dc:rightsList/dc:rights/@rightsURI") == [
        "https://spdx.org/licenses/CC-BY-4.0.html",
        "http://purl.org/coar/access_right/c_abf2",
    ]
    assert text(
        "dc:fundingReferences/dc:fundingReference/dc:funderIdentifier/@funderIdentifierType"
    ) == [
        "ROR",
        "Crossref Funder ID",
    ]
    assert text("dc:fundingReferences/dc:fundingReference/dc:awardTitle/text()") == [
        "Sleep in shifts"
    ]
    assert text("dc:sizes/dc:size/text()") == ["1024 bytes"]
    assert text("dc:formats/dc:format/text()") == ["text/csv"]
    assert text("dc:geoLocations/dc:geoLocation/dc:geoLocationPlace/text()") == [
        "Leiden, the Netherlands"
    ]

    as_json = client.get(f"/records/{record['id']}?format=datacite-json").json["data"]
    assert as_json["attributes"]["doi"] == "10.34894/every1"
    assert as_json["attributes"]["creators"][0]["nameIdentifiers"][0]["nameIdentifierScheme"] == (
        "ORCID"
    )


def test_datacite_xml_of_records_with_little_is_still_valid(client: FlaskClient) -> None:
    # A draft with no DOI, no creators, no date: its editor may export it all the same.
    bare = client.post(
        "/api/publications", json={"title": "Working title"}, headers=as_user("anna")
    ).json
    article = publish(client, "publications", minimal_publication())
    for record in (bare, article):
        answer = client.get(f"/records/{record['id']}?format=datacite-xml", headers=as_user("anna"))
        datacite_schema().validate(answer.data)
    url = f"/records/{bare['id']}?format=datacite-xml"
    xml = etree.fromstring(client.get(url, headers=as_user("anna")).data)
    assert xml.xpath("dc:identifier/@identifierType", namespaces=DC) == ["URL"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/html", "text/html"),
        ("*/*", "text/html"),
        ("application/ld+json", "application/ld+json"),
        ('application/ld+json; profile="https://schema.org/"', "application/ld+json"),
        ("application/vnd.datacite.datacite+xml", "application/vnd.datacite.datacite+xml"),
        ("application/vnd.datacite.datacite+json", "application/vnd.datacite.datacite+json"),
        ("application/x-bibtex", "application/x-bibtex"),
        ("application/x-research-info-systems", "application/x-research-info-systems"),
        ("application/vnd.citationstyles.csl+json", "application/vnd.citationstyles.csl+json"),
        ("application/pdf;q=1, application/x-bibtex;q=0.5", "application/x-bibtex"),
        (
            "text/csv, application/x-research-info-systems;q=0.9, */*;q=0.1",
            "application/x-research-info-systems",
        ),
    ],
)
def test_the_record_url_answers_the_type_asked_for(
    client: FlaskClient, accept: str, expected: str
) -> None:
    record = publish(client, "datasets", minimal_dataset(doi="10.34894/NEG1"))

    answer = client.get(f"/records/{record['id']}", headers={"Accept": accept})

    assert answer.status_code == 200 and answer.mimetype == expected
    assert "Accept" in answer.headers["Vary"]


def test_nothing_offered_fits_is_a_406_that_lists_the_offer(client: FlaskClient) -> None:
    record = publish(client, "datasets", minimal_dataset())

    answer = client.get(f"/records/{record['id']}", headers={"Accept": "application/pdf"})

    assert answer.status_code == 406 and "Accept" in answer.headers["Vary"]
    assert "application/vnd.datacite.datacite+xml" in answer.json["offered"]
    assert "text/html" in answer.json["offered"]
    unknown = client.get(f"/records/{record['id']}?format=marc21")
    assert unknown.status_code == 404 and "datacite-xml" in unknown.get_data(as_text=True)


def test_signposting_links_parse_and_each_target_answers_the_type_it_announced(
    app: Flask, client: FlaskClient
) -> None:
    record = publish(client, "datasets", minimal_dataset(doi="10.34894/SIGN1"))
    base = app.extensions["catalogue"].settings.base_url.rstrip("/")

    page = client.get(f"/records/{record['id']}", headers={"Accept": "text/html"})

    links = requests.utils.parse_header_links(page.headers["Link"])
    by_rel: dict[str, list[dict[str, str]]] = {}
    for link in links:
        by_rel.setdefault(link["rel"], []).append(link)
    assert [link["url"] for link in by_rel["cite-as"]] == ["https://doi.org/10.34894/sign1"]
    assert {link["url"] for link in by_rel["type"]} == {
        "https://schema.org/Dataset",
        "https://schema.org/AboutPage",
    }
    assert [link["url"] for link in by_rel["author"]] == ["https://orcid.org/0000-0002-1825-0097"]
    assert [link["url"] for link in by_rel["license"]] == [
        "https://spdx.org/licenses/CC-BY-4.0.html"
    ]
    assert [link["type"] for link in by_rel["item"]] == ["text/csv"]
    assert len(by_rel["describedby"]) >= 6
    for link in by_rel["describedby"] + by_rel["linkset"]:
        assert link["url"].startswith(base)
        target = client.get(link["url"][len(base) :])
        assert target.status_code == 200, link
        assert target.mimetype == link["type"], link
    linkset = client.get(f"/records/{record['id']}/linkset").json["linkset"]
    assert linkset[0]["anchor"] == f"{base}/records/{record['id']}"
    assert linkset[0]["cite-as"] == [{"href": "https://doi.org/10.34894/sign1"}]
    collections = [entry for entry in linkset if "collection" in entry]
    assert [entry["anchor"] for entry in collections] == [record["distributions"][0]["access_url"]]
    described = [entry for entry in linkset if "describes" in entry]
    assert len(described) == len(by_rel["describedby"])


def test_search_engines_find_one_dataset_with_what_google_asks_for(client: FlaskClient) -> None:
    record = publish(client, "datasets", EVERY_FIELD)

    page = client.get(f"/records/{record['id']}", headers={"Accept": "text/html"})

    found = extruct.extract(page.get_data(as_text=True), syntaxes=["json-ld"])["json-ld"]
    datasets = [item for item in found if item.get("@type") == "Dataset"]
    assert len(datasets) == 1
    dataset = datasets[0]
    assert dataset["name"] == "Sleep & shift work: <every> field"
    assert 50 <= len(dataset["description"]) <= 5000
    assert dataset["identifier"] == "https://doi.org/10.34894/every1"
    assert dataset["license"] == "https://spdx.org/licenses/CC-BY-4.0.html"
    assert dataset["creator"][0]["@id"] == "https://orcid.org/0000-0002-1825-0097"
    assert dataset["creator"][0]["affiliation"]["@id"] == "https://ror.org/05xvt9f17"
    assert dataset["creator"][1]["@type"] == "Organization"
    assert dataset["isAccessibleForFree"] is True
    assert dataset["temporalCoverage"] == "2023-01-01/2023-06-30"
    assert dataset["spatialCoverage"]["name"] == "Leiden, the Netherlands"
    assert dataset["distribution"][0]["encodingFormat"] == "text/csv"
    assert dataset["funder"][0]["@id"] == "https://ror.org/01yaj9a77"
    assert dataset["includedInDataCatalog"]["@type"] == "DataCatalog"
    assert dataset["version"] == "2.1" and dataset["keywords"] == ["sleep", "shift work"]
    assert "<every>" not in page.get_data(as_text=True)  # escaped inside the script block too


def test_a_publication_is_a_scholarly_article_with_its_journal(client: FlaskClient) -> None:
    record = publish(client, "publications", minimal_publication())

    found = client.get(f"/records/{record['id']}", headers={"Accept": "application/ld+json"}).json

    assert found["@type"] == "ScholarlyArticle"
    assert found["isPartOf"]["issn"] == ["0028-3878", "1526-632X"]
    assert found["author"][0]["name"] == "Jansen, Anna"


MARKER = "zebrafinchmarker"


def test_no_export_shows_restricted_links_or_drafts_to_anonymous_callers(
    client: FlaskClient,
) -> None:
    restricted = publish(
        client,
        "datasets",
        minimal_dataset(
            access_right="restricted",
            distributions=[{"access_url": f"https://vault.example.org/{MARKER}", "format": "CSV"}],
        ),
    )
    draft = client.post(
        "/api/datasets", json=minimal_dataset(title=f"Draft {MARKER}"), headers=as_user("anna")
    ).json
    from catalogue.services.exports.formats import FORMATS

    for name in FORMATS:
        shown = client.get(f"/records/{restricted['id']}?format={name}")
        assert shown.status_code == 200
        assert MARKER not in shown.get_data(as_text=True), name
        hidden = client.get(f"/records/{draft['id']}?format={name}")
        assert hidden.status_code == 404 and MARKER not in hidden.get_data(as_text=True), name
    page = client.get(f"/records/{restricted['id']}", headers={"Accept": "text/html"})
    assert MARKER not in page.get_data(as_text=True) and MARKER not in page.headers["Link"]
    assert client.get(f"/records/{draft['id']}/linkset").status_code == 404
    # Its owner sees the links, in every format.
    owner = client.get(f"/records/{restricted['id']}?format=datacite-json", headers=as_user("anna"))
    assert owner.status_code == 200
    mine = client.get(f"/records/{restricted['id']}?format=schema.org", headers=as_user("anna"))
    assert MARKER in mine.get_data(as_text=True)


def test_the_sitemaps_list_every_published_page_and_nothing_else(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from catalogue.services.exports import sitemap

    monkeypatch.setattr(sitemap, "CHUNK", 2)  # three published pages: two files
    published = [publish(client, "datasets", minimal_dataset(title=f"Set {n}")) for n in range(3)]
    draft = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    base = app.extensions["catalogue"].settings.base_url.rstrip("/")

    index = etree.fromstring(client.get("/sitemap.xml").data)
    files = index.xpath(
        "//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    )

    assert files == [f"{base}/sitemaps/records-1.xml", f"{base}/sitemaps/records-2.xml"]
    listed = []
    for url in files:
        chunk = etree.fromstring(client.get(url[len(base) :]).data)
        listed += chunk.xpath(
            "//s:loc/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        )
        assert chunk.xpath(
            "//s:lastmod/text()", namespaces={"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        )
    assert sorted(listed) == sorted(f"{base}/records/{r['id']}" for r in published)
    assert draft["id"] not in "".join(listed)
    assert client.get("/sitemaps/records-3.xml").status_code == 404
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {base}/sitemap.xml" in robots and "Disallow: /admin" in robots
