"""The reports: figures a librarian can check by hand, the same figures from Elasticsearch
aggregations and from SQL on the same data, and snapshots that do not change."""

from __future__ import annotations

import csv
import io
from itertools import count
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from catalogue.cli import main
from catalogue.services.reports import fair_report, open_access_report
from search.reports import ReportQuery
from tests.integration.conftest import as_user, minimal_dataset, minimal_publication

_serial = count()

HYBRID = {"publisher_free_to_read": True, "publisher_license": "CC-BY-4.0"}
CLOSED = {"publisher_free_to_read": False}
GREEN = {
    "publisher_free_to_read": False,
    "deposit": {"version": "accepted", "url": "https://repository.example.org/1"},
}
BRONZE = {"publisher_free_to_read": True}


def publish(
    client: FlaskClient, year: int, theme: str, situation: dict[str, Any], **extra: Any
) -> None:
    extra.setdefault("doi", f"10.1234/report.{next(_serial)}")
    body = minimal_publication(
        publication_date=f"{year}-03-01",
        themes=[theme],
        departments=["neurology"] if theme == "neuroscience" else ["clinical-genetics"],
        **situation,
        **extra,
    )
    created = client.post("/api/publications", json=body, headers=as_user("anna"))
    assert created.status_code == 201, created.json
    url = f"/api/publications/{created.json['id']}/publish"
    assert client.post(url, headers=as_user("anna", **{"If-Match": '"1"'})).status_code == 200


@pytest.fixture()
def catalogue(client: FlaskClient) -> FlaskClient:
    publish(client, 2020, "neuroscience", HYBRID)
    publish(client, 2020, "neuroscience", CLOSED)
    publish(client, 2020, "genetics", GREEN)
    publish(client, 2021, "genetics", BRONZE)
    publish(client, 2021, "genetics", HYBRID)
    # Outside the default scope: a preprint, and an article not peer reviewed.
    publish(client, 2021, "genetics", HYBRID, resource_type="Preprint")
    publish(client, 2021, "genetics", CLOSED, peer_reviewed=False)
    # A draft counts nowhere.
    client.post(
        "/api/publications", json=minimal_publication(doi="10.1234/draft"), headers=as_user("anna")
    )
    return client


def test_figures_per_year_against_the_target(catalogue: FlaskClient) -> None:
    report = catalogue.get("/api/reports/open-access").json
    assert report["counted_by"] == "elasticsearch"
    years = {year["year"]: year for year in report["years"]}
    assert set(years) == {2020, 2021}
    y2020, y2021 = years[2020], years[2021]
    assert y2020["total"] == 3
    assert (
        y2020["international"]["hybrid"],
        y2020["international"]["closed"],
        y2020["international"]["green"],
    ) == (1, 1, 1)
    assert y2020["open_share"] == 66.7 and y2020["dutch_open_share"] == 66.7
    assert y2020["reference"]["dutch_universities"] == 73.0
    # Bronze is open internationally but closed for the Dutch monitor.
    assert y2021["total"] == 2 and y2021["international"]["bronze"] == 1
    assert y2021["open_share"] == 100.0 and y2021["dutch_open_share"] == 50.0
    assert y2021["gap_to_target"] == 50.0
    wider = catalogue.get("/api/reports/open-access?scope=all").json
    assert {y["year"]: y["total"] for y in wider["years"]} == {2020: 3, 2021: 4}


def test_grouped_filtered_and_as_csv(catalogue: FlaskClient) -> None:
    grouped = catalogue.get("/api/reports/open-access?group_by=theme").json
    totals = {g["key"]: sum(y["total"] for y in g["years"]) for g in grouped["groups"]}
    assert totals == {"genetics": 3, "neuroscience": 2}
    only = catalogue.get(
        "/api/reports/open-access?theme=neuroscience&year_from=2020&year_to=2020"
    ).json
    assert [(y["year"], y["total"]) for y in only["years"]] == [(2020, 2)]
    response = catalogue.get("/api/reports/open-access?format=csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:4] == ["group", "year", "total", "diamond"]
    assert [row[1:3] for row in rows[1:]] == [["2020", "3"], ["2021", "2"]]
    bad = catalogue.get("/api/reports/open-access?group_by=colour")
    assert bad.status_code == 422 and "group_by" in bad.json["errors"]["query"]


@pytest.mark.parametrize(
    "query",
    [
        ReportQuery(),
        ReportQuery(scope="all"),
        ReportQuery(scope="articles", group_by="theme"),
        ReportQuery(themes=("genetics",), group_by="type", scope="all"),
        ReportQuery(year_from=2021, group_by="department"),
        # Grouped and filtered on the same dimension (a 500 before: issue 13, item 1).
        ReportQuery(scope="all", group_by="theme", themes=("genetics", "neuroscience")),
        ReportQuery(scope="all", group_by="department", departments=("neurology",)),
    ],
)
def test_elasticsearch_and_sql_give_identical_figures(
    app: Flask, catalogue: FlaskClient, query: ReportQuery
) -> None:
    state = app.extensions["catalogue"]
    with state.db.reader() as session:
        from_search = open_access_report(session, state.backend, query)
        from_sql = open_access_report(session, None, query)  # None cannot count: SQL does
    assert from_search.pop("counted_by") == "elasticsearch"
    assert from_sql.pop("counted_by") == "sql"
    assert from_search == from_sql
    assert from_sql.get("years") or from_sql.get("groups")


@pytest.fixture()
def datasets(client: FlaskClient) -> FlaskClient:
    def dataset(year: int, theme: str, **fields: Any) -> None:
        body = minimal_dataset(
            title=f"Data {next(_serial)}",
            publication_date=f"{year}-06-01",
            themes=[theme],
            **fields,
        )
        created = client.post("/api/datasets", json=body, headers=as_user("anna"))
        assert created.status_code == 201, created.json
        url = f"/api/datasets/{created.json['id']}/publish"
        published = client.post(url, headers=as_user("anna", **{"If-Match": '"1"'}))
        assert published.status_code == 200, published.json

    complete = {
        "doi": None,
        "keywords": ["migraine"],
        "publisher": "LUMC",
        "version": "1.0",
        "related_identifiers": [{"identifier": "10.1212/wnl.1", "relation_type": "IsSupplementTo"}],
        "contact_point": {"name": "Data desk", "email": "data@lumc.example"},
        "applicable_legislation": ["http://data.europa.eu/eli/reg/2016/679/oj"],
    }
    dataset(2022, "neuroscience", **{**complete, "doi": "10.34894/fair.1"})
    dataset(2022, "neuroscience")
    dataset(2023, "genetics", **{**complete, "doi": "10.34894/fair.2"})
    dataset(2023, "genetics", license=None, access_right="metadata-only")
    client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna"))  # a draft
    return client


def test_fair_report_figures(datasets: FlaskClient) -> None:
    report = datasets.get("/api/reports/fair").json
    years = {year["year"]: year for year in report["years"]}
    assert set(years) == {2022, 2023}
    y2022 = years[2022]
    assert y2022["datasets"] == 2 and y2022["essential_passed"] == 1
    assert y2022["essential_share"] == 50.0
    assert sum(y2022["distribution"].values()) == 2
    assert y2022["mean_scores"]["A"] is not None
    top = {gap["test"]: gap["datasets"] for gap in years[2023]["top_gaps"]}
    assert top["FsF-R1.1-01M-1"] == 1  # the dataset without a licence
    assert any(gap["hint"] and "license" in gap["hint"] for gap in years[2023]["top_gaps"])
    grouped = datasets.get("/api/reports/fair?group_by=theme&format=csv")
    rows = list(csv.reader(io.StringIO(grouped.get_data(as_text=True))))
    assert [row[:3] for row in rows[1:]] == [
        ["genetics", "2023", "2"],
        ["neuroscience", "2022", "2"],
    ]


@pytest.mark.parametrize(
    "query",
    [
        ReportQuery(scope="all"),
        ReportQuery(scope="all", group_by="theme"),
        ReportQuery(scope="all", themes=("genetics",), year_from=2023),
        ReportQuery(scope="all", group_by="department"),
        ReportQuery(scope="all", group_by="theme", themes=("genetics",)),
    ],
)
def test_fair_figures_are_identical_from_elasticsearch_and_sql(
    app: Flask, datasets: FlaskClient, query: ReportQuery
) -> None:
    state = app.extensions["catalogue"]
    with state.db.reader() as session:
        from_search = fair_report(session, state.backend, query)
        from_sql = fair_report(session, None, query)
    assert from_search.pop("counted_by") == "elasticsearch"
    assert from_sql.pop("counted_by") == "sql"
    assert from_search == from_sql
    assert from_sql.get("years") or from_sql.get("groups")


def test_a_snapshot_keeps_its_figures_when_the_data_changes(
    app: Flask, catalogue: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in app.extensions["catalogue"].settings.to_environ().items():
        monkeypatch.setenv(name, value)
    taken = CliRunner().invoke(main, ["report", "snapshot", "--year", "2020", "--by", "lotte"])
    assert taken.exit_code == 0, taken.output
    publish(catalogue, 2020, "neuroscience", HYBRID)  # the year changes afterwards

    listed = catalogue.get("/api/reports/snapshots").json
    assert [(s["year"], s["taken_by"]) for s in listed] == [(2020, "lotte")]
    frozen = catalogue.get(f"/api/reports/snapshots/{listed[0]['id']}").json["figures"]
    assert [y["total"] for y in frozen["open_access"]["years"]] == [3]
    assert "fair" in frozen and "open_access_by_theme" in frozen
    live = catalogue.get("/api/reports/open-access?year_from=2020&year_to=2020").json
    assert [y["total"] for y in live["years"]] == [4]
    assert catalogue.get("/api/reports/snapshots/999").status_code == 404


@pytest.mark.parametrize("engine", ["elasticsearch", "sql"])
def test_a_preprint_and_its_article_are_counted_once(
    app: Flask, client: FlaskClient, engine: str
) -> None:
    publish(client, 2022, "genetics", GREEN, resource_type="Preprint", doi="10.1234/pre.1")
    publish(client, 2022, "genetics", CLOSED, doi="10.1234/pre.2", resource_type="Preprint")
    publish(
        client,
        2022,
        "genetics",
        HYBRID,
        related_identifiers=[{"identifier": "10.1234/pre.1", "relation_type": "HasVersion"}],
    )
    state = app.extensions["catalogue"]
    backend = state.backend if engine == "elasticsearch" else None
    with state.db.reader() as session:
        report = open_access_report(session, backend, ReportQuery(scope="all"))
    assert report["counted_by"] == engine
    (year,) = report["years"]
    # The article, and the preprint nobody links to; the linked preprint is the article.
    assert year["total"] == 2
    assert year["international"]["hybrid"] == 1
    assert year["international"]["closed"] == 1
    assert year["international"]["green"] == 0
