"""The Open Access report: figures a librarian can check by hand, and the same figures from
Elasticsearch aggregations and from SQL on the same data."""

from __future__ import annotations

import csv
import io
from itertools import count
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalogue.reports import build_open_access, open_access_rows_sql
from search.reports import ReportQuery
from tests.integration.conftest import as_user, minimal_publication

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
    body = minimal_publication(
        doi=f"10.1234/report.{next(_serial)}",
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
    ],
)
def test_elasticsearch_and_sql_give_identical_figures(
    app: Flask, catalogue: FlaskClient, query: ReportQuery
) -> None:
    from catalogue.api.reports import open_access_report

    with app.test_request_context():
        from_search = open_access_report(query)
    with app.extensions["catalogue"].db.reader() as session:
        from_sql = build_open_access(open_access_rows_sql(session, query), query)
    assert from_search.pop("counted_by") == "elasticsearch"
    assert from_search == from_sql
    assert from_sql.get("years") or from_sql.get("groups")
