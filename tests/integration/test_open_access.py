"""The Open Access classification of publications as users meet it: computed on save, shown
and searchable, corrected by librarians, recomputed when embargoes end and registers change."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from catalogue.cli import main
from tests.integration.conftest import as_user, minimal_publication

DOAJ_HEADER = (
    "Journal title,Journal URL,Journal ISSN (print version),Journal EISSN (online version),"
    "Publisher,APC,APC amount,Journal license\n"
)


def publish(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    created = client.post(
        "/api/publications", json=minimal_publication(**fields), headers=as_user("anna")
    )
    assert created.status_code == 201, created.json
    published = client.post(
        f"/api/publications/{created.json['id']}/publish",
        headers=as_user("anna", **{"If-Match": '"1"'}),
    )
    assert published.status_code == 200, published.json
    body: dict[str, Any] = published.json
    return body


@pytest.fixture()
def operator(app: Flask, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name, value in app.extensions["catalogue"].settings.to_environ().items():
        monkeypatch.setenv(name, value)
    return CliRunner()


def test_classified_on_save_shown_and_searchable(client: FlaskClient) -> None:
    hybrid = publish(client, publisher_free_to_read=True, publisher_license="CC-BY-4.0")
    closed = publish(
        client,
        doi="10.1234/closed.1",
        publisher_free_to_read=False,
        short_work=True,
        publicly_funded=True,
    )

    assert hybrid["open_access"]["status"] == "hybrid"
    assert hybrid["open_access"]["category"] == "hybrid"
    assert hybrid["open_access"]["rules"]
    assert closed["open_access"]["status"] == "closed"
    assert closed["open_access"]["taverne_eligible"] is True
    assert closed["open_access"]["taverne_date"] == "2023-08-14"  # six months after 2023-02-14
    facets = client.get("/api/publications").json["facets"]["open_access"]
    assert {(f["key"], f["count"]) for f in facets} == {("hybrid", 1), ("closed", 1)}
    found = client.get("/api/publications?open_access=closed").json["hits"]
    assert [hit["id"] for hit in found] == [closed["id"]]


def test_a_librarian_corrects_the_status_and_the_computed_value_stays(client: FlaskClient) -> None:
    record = publish(client, publisher_free_to_read=False)
    url = f"/api/publications/{record['id']}/open-access"
    librarian = as_user("lotte", "librarian", **{"If-Match": f'"{record["revision"]}"'})
    correction = {
        "status": "green",
        "category": "green",
        "evidence": "https://repository.example.org/handle/1887/123",
        "note": "Accepted manuscript found in the institutional repository.",
    }
    incomplete = client.put(url, json={"status": "green"}, headers=librarian)
    assert incomplete.status_code == 422
    assert {"evidence", "note"} <= set(incomplete.json["errors"]["json"])

    corrected = client.put(url, json=correction, headers=librarian)

    assert corrected.status_code == 200, corrected.json
    shown = corrected.json["open_access"]
    assert shown["status"] == "green" and shown["computed"]["status"] == "closed"
    assert shown["override"]["by"] == "lotte" and shown["override"]["note"] == correction["note"]
    assert corrected.headers["ETag"] != f'"{record["revision"]}"'
    assert [hit["id"] for hit in client.get("/api/search?open_access=green").json["hits"]] == [
        record["id"]
    ]
    stale = client.delete(url, headers=librarian)
    assert stale.status_code == 412
    removed = client.delete(
        url, headers=as_user("lotte", "librarian", **{"If-Match": corrected.headers["ETag"]})
    )
    assert removed.json["open_access"]["status"] == "closed"
    history = client.get(
        f"/api/publications/{record['id']}/history", headers=as_user("lotte", "librarian")
    ).json
    actions = [event["action"] for event in history]
    assert actions[-2:] == ["open_access_override", "open_access_override_removed"]


def test_reclassify_as_of_a_later_date_opens_ended_embargoes(
    client: FlaskClient, operator: CliRunner
) -> None:
    ends = date.today() + timedelta(days=730)  # a publisher's two-year embargo
    later = (ends + timedelta(days=1)).isoformat()
    record = publish(
        client,
        publisher_free_to_read=False,
        deposit={
            "version": "accepted",
            "url": "https://repository.example.org/1",
            "embargo_until": ends.isoformat(),
        },
    )
    assert record["open_access"]["status"] == "closed" and record["open_access"]["embargoed"]

    result = operator.invoke(main, ["oa", "reclassify", "--as-of", later])

    assert result.exit_code == 0, result.output
    assert "1 changed" in result.output
    shown = client.get(f"/api/publications/{record['id']}").json["open_access"]
    assert (shown["status"], shown["embargoed"], shown["as_of"]) == ("green", False, later)
    assert client.get("/api/search?open_access=green").json["total"] == 1
    again = operator.invoke(main, ["oa", "reclassify", "--as-of", later])
    assert "0 changed" in again.output


def test_doaj_and_deal_imports_reclassify_the_affected_publications(
    client: FlaskClient, operator: CliRunner, tmp_path: Path
) -> None:
    in_doaj = publish(client, publisher_free_to_read=True)  # Neurology, 0028-3878
    elsewhere = publish(
        client,
        doi="10.1016/j.cell.2024.01.001",
        journal={"title": "Cell", "issn": "0092-8674"},
        publisher_free_to_read=False,
    )
    assert in_doaj["open_access"]["status"] == "bronze"
    doaj = tmp_path / "doaj.csv"
    doaj.write_text(
        DOAJ_HEADER
        + "Neurology,https://n.example,0028-3878,1526-632X,Wolters,No,,CC BY\n"
        + "Broken row,https://b.example,,,X,Yes,100 EUR,CC BY\n"
    )

    imported = operator.invoke(main, ["import", "doaj", str(doaj), "--as-of", "2026-11-01"])

    assert imported.exit_code == 0, imported.output
    assert (
        "1 skipped" in imported.output and "1 of 1 affected publications changed" in imported.output
    )
    shown = client.get(f"/api/publications/{in_doaj['id']}").json
    assert shown["open_access"]["status"] == "diamond"  # DOAJ, no APC
    assert shown["journal"]["in_doaj"] is True and shown["journal"]["doaj_as_of"] == "2026-11-01"

    deals = tmp_path / "deals.csv"
    deals.write_text("issn,deal\n0092-8674,Elsevier 2024-2027\n")
    dealt = operator.invoke(main, ["import", "deals", str(deals)])
    assert dealt.exit_code == 0, dealt.output
    category = client.get(f"/api/publications/{elsewhere['id']}").json["open_access"]["category"]
    assert category == "hybrid"


def test_a_register_in_the_wrong_layout_is_refused_and_changes_nothing(
    operator: CliRunner, tmp_path: Path
) -> None:
    wrong = tmp_path / "list.csv"
    wrong.write_text("title,issn\nNeurology,0028-3878\n")
    result = operator.invoke(main, ["import", "doaj", str(wrong)])
    assert result.exit_code != 0
    assert "no column" in result.output and "APC" in result.output
    bad_issn = tmp_path / "deals.csv"
    bad_issn.write_text("issn,deal\n1234-5678,Some deal\n")
    refused = operator.invoke(main, ["import", "deals", str(bad_issn)])
    assert refused.exit_code != 0 and "line 2" in refused.output
