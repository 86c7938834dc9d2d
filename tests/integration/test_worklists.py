"""Worklists: what library staff and data stewards should act on next."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

from flask.testing import FlaskClient

from tests.integration.conftest import as_user, minimal_dataset, minimal_publication


def publish(client: FlaskClient, kind: str, body: dict[str, Any]) -> str:
    created = client.post(f"/api/{kind}", json=body, headers=as_user("anna"))
    assert created.status_code == 201, created.json
    url = f"/api/{kind}/{created.json['id']}/publish"
    assert client.post(url, headers=as_user("anna", **{"If-Match": '"1"'})).status_code == 200
    return str(created.json["id"])


def test_taverne_embargoes_unknown_and_fair(client: FlaskClient) -> None:
    soon = (date.today() + timedelta(days=10)).isoformat()
    later = (date.today() + timedelta(days=300)).isoformat()
    taverne = publish(
        client,
        "publications",
        minimal_publication(
            doi="10.1234/w.1", publisher_free_to_read=False, short_work=True, publicly_funded=True
        ),
    )
    publish(  # open: not on the Taverne list
        client,
        "publications",
        minimal_publication(
            doi="10.1234/w.2",
            publisher_free_to_read=True,
            publisher_license="CC-BY-4.0",
            short_work=True,
            publicly_funded=True,
        ),
    )
    embargoed = publish(
        client,
        "publications",
        minimal_publication(
            doi="10.1234/w.3",
            publisher_free_to_read=False,
            deposit={
                "version": "accepted",
                "url": "https://repository.example.org/9",
                "embargo_until": soon,
            },
        ),
    )
    publish(
        client,
        "publications",
        minimal_publication(
            doi="10.1234/w.4",
            publisher_free_to_read=False,
            deposit={
                "version": "accepted",
                "url": "https://repository.example.org/8",
                "embargo_until": later,
            },
        ),
    )
    unknown = publish(client, "publications", minimal_publication(doi="10.1234/w.5"))
    dataset = publish(
        client, "datasets", minimal_dataset(access_right="embargoed", embargo_until=soon)
    )

    listed = client.get("/api/worklists/taverne").json
    assert [item["id"] for item in listed["items"]] == [taverne]
    assert listed["items"][0]["taverne_date"] == "2023-08-14"
    assert listed["items"][0]["shareable_now"] is True
    ending = client.get("/api/worklists/embargoes?days=30").json
    assert {item["id"] for item in ending["items"]} == {embargoed, dataset}
    assert ending["total"] == 2
    assert [i["id"] for i in client.get("/api/worklists/unknown").json["items"]] == [unknown]
    fair = client.get("/api/worklists/fair").json
    assert [item["id"] for item in fair["items"]] == [dataset]
    assert fair["items"][0]["essential_gaps"] and fair["items"][0]["hints"]

    as_csv = client.get("/api/worklists/embargoes?days=30&format=csv")
    rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))
    assert rows[0][:3] == ["id", "kind", "title"] and len(rows) == 3
    assert client.get("/api/worklists/nonsense").status_code == 404
    assert client.get("/api/worklists/embargoes?days=-1").status_code == 422


def test_csv_cells_never_run_as_spreadsheet_formulas(client: FlaskClient) -> None:
    """Anyone may download the worklists; library staff open them in Excel (issue 13, item 8)."""
    evil = '=HYPERLINK("http://evil.example/","x")'
    publish(
        client,
        "publications",
        minimal_publication(
            title=evil,
            doi="10.1234/w.9",
            publisher_free_to_read=False,
            short_work=True,
            publicly_funded=True,
        ),
    )
    as_csv = client.get("/api/worklists/taverne?format=csv")
    rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))
    [row] = rows[1:]
    assert row[rows[0].index("title")] == "'" + evil
    # The JSON answer keeps the title as it was registered.
    assert client.get("/api/worklists/taverne").json["items"][0]["title"] == evil


def test_publications_with_the_same_title_year_and_first_author_are_listed_as_duplicates(
    client: FlaskClient,
) -> None:
    jansen = [{"name": "Jansen, Anna", "family_name": "Jansen", "given_name": "Anna"}]
    written = [{"name": "Anna Jansen"}]  # the same person, as a harvest writes her
    first = publish(
        client,
        "publications",
        minimal_publication(
            doi="10.1234/dup.1",
            title="Outcomes of Migraine Care: a Cohort",
            publication_date="2024-02-01",
            creators=jansen,
        ),
    )
    second = publish(
        client,
        "publications",
        minimal_publication(
            doi=None,
            title="Outcomes of migraine care - a cohort",
            publication_date="2024-09-01",
            creators=written,
        ),
    )
    publish(  # another year: not the same work
        client,
        "publications",
        minimal_publication(
            doi=None,
            title="Outcomes of migraine care - a cohort",
            publication_date="2023-09-01",
            creators=jansen,
        ),
    )
    listed = client.get("/api/worklists/duplicates", headers=as_user("lotte", "librarian")).json
    assert listed["total"] == 2
    same_as = {item["id"]: item["same_as"] for item in listed["items"]}
    assert same_as == {first: [second], second: [first]}


def test_a_librarian_merges_a_duplicate_and_both_histories_stay(client: FlaskClient) -> None:
    lotte = as_user("lotte", "librarian")
    kept = publish(client, "publications", minimal_publication(doi="10.1234/merge.1"))
    twin = publish(client, "publications", minimal_publication(doi="10.1234/merge.2"))
    current = client.get(f"/api/publications/{kept}", headers=lotte).json

    merged = client.post(
        f"/api/publications/{kept}/merge",
        json={"duplicate": twin},
        headers={**lotte, "If-Match": str(current["revision"])},
    )
    assert merged.status_code == 200, merged.json
    gone = client.get(f"/api/publications/{twin}").json
    assert gone["status"] == "withdrawn"
    assert kept in gone["withdrawal"]["reason"]
    assert gone["doi"] == "10.1234/merge.2"  # the tombstone keeps its DOI
    twin_history = client.get(f"/api/publications/{twin}/history", headers=lotte).json
    assert [e["action"] for e in twin_history][:2] == ["create", "publish"]
    assert twin_history[-1]["changes"]["merged_into"] == kept
    kept_history = client.get(f"/api/publications/{kept}/history", headers=lotte).json
    assert kept_history[-1]["action"] == "merge"
    assert kept_history[-1]["changes"] == {"merged": twin}

    again = client.post(
        f"/api/publications/{kept}/merge",
        json={"duplicate": twin},
        headers={**lotte, "If-Match": str(merged.json["revision"])},
    )
    assert again.status_code == 409  # withdrawn already
    own = client.post(
        f"/api/publications/{kept}/merge",
        json={"duplicate": kept},
        headers={**lotte, "If-Match": str(merged.json["revision"])},
    )
    assert own.status_code == 409
