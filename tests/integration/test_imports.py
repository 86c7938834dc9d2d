"""Imports of CSV, RIS and BibTeX files: a dry run shows what would happen and saves nothing;
the import itself runs as a job; bad rows are named by line and field, the rest goes on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from catalogue.adapters.harvest.jobs import Harvester
from catalogue.cli import main as cli
from catalogue.models import Record
from tests.fake_services import stand_in_harvester
from tests.integration.conftest import as_user, minimal_publication, publish

LIBRARIAN = ("lotte", "librarian")

CSV = """title,doi,pmid,publication_date,authors,orcids,journal,issn,publisher_free_to_read
Outcomes of migraine care,10.5555/imp.1,31000001,2024-03-01,"Jansen, Anna; de Boer, Piet",0000-0002-1825-0097;,Journal of Clinical Research,0378-5955,yes
"A title
on two lines",https://doi.org/10.5555/IMP.2,,2024-05-02,"Visser, Eva",,,,no
No DOI but a bad PubMed id,,PMID-1,2024-01-01,,,,,
,10.5555/imp.4,,2024-01-01,"Bakker, Tom",,,,
Bad date and licence answer,10.5555/imp.5,,2024-02-30,,,,,maybe
Anna's work found again,10.5555/anna.1,,2024-06-01,"Jansen, Anna",,,,yes
Outcomes of migraine care (again),10.5555/imp.1,,,,,,,
"""  # noqa: E501

RIS = """TY  - JOUR
TI  - Cohort outcomes in Leiden
AU  - Jansen, Anna
AU  - de Boer, Piet
DA  - 2023/11/20
DO  - 10.5555/ris.1
JO  - Journal of Clinical Research
SN  - 0378-5955
AN  - 32000001
KW  - cohort
KW  - outcomes
ER  - 

TY  - ICOMM
TI  - A blog post
ER  - 
"""  # noqa: W291

BIBTEX = """@article{jansen2024,
  title = {Outcomes of {Migraine} care in {Leiden}},
  author = {Jansen, Anna and de Boer, Piet and {van der Berg}, Jan},
  journal = {Journal of Clinical Research},
  year = {2024},
  doi = {10.5555/bib.1},
}

@misc{poster,
  title = {A poster},
}

@incollection{chapter,
  title = {A chapter on cohorts
"""


def dry_run(client: FlaskClient, fmt: str, text: str) -> dict[str, Any]:
    answer = client.post(
        f"/api/imports/dry-run?format={fmt}", data=text.encode(), headers=as_user(*LIBRARIAN)
    )
    assert answer.status_code == 200, answer.json
    report: dict[str, Any] = answer.json
    return report


def records(app: Flask) -> int:
    with app.extensions["catalogue"].db.reader() as session:
        return session.scalar(select(func.count()).select_from(Record)) or 0


@pytest.fixture
def harvester(app: Flask) -> Harvester:
    # Imports need no outside service; the job runner is the harvests' own.
    found: Harvester = stand_in_harvester(app.extensions["catalogue"], None)
    return found


def test_a_dry_run_shows_each_row_by_line_and_saves_nothing(
    app: Flask, client: FlaskClient
) -> None:
    anna = publish(
        client, "publications", minimal_publication(doi="10.5555/anna.1", title="Anna's title")
    )
    before = records(app)
    report = dry_run(client, "csv", CSV)

    assert records(app) == before  # nothing saved
    assert report["counts"] == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "conflict": 1,
        "unmatched": 0,
        "failed": 4,
    }
    by_line = {outcome["item"]: outcome for outcome in report["outcomes"]}
    assert by_line["line 2"]["action"] == "created"
    assert "creators" in by_line["line 2"]["taken"]
    assert by_line["line 4"]["action"] == "created"  # a quoted title over two lines
    assert by_line["line 5"]["action"] == "failed"
    assert "pmid" in by_line["line 5"]["reason"]
    assert by_line["line 6"]["action"] == "failed"
    assert "title" in by_line["line 6"]["reason"]
    assert by_line["line 7"]["action"] == "failed"  # "maybe" is not yes or no
    assert "publisher_free_to_read" in by_line["line 7"]["reason"]
    assert (by_line["line 8"]["action"], by_line["line 8"]["record_id"]) == ("conflict", anna["id"])
    assert {"title", "creators"} <= set(by_line["line 8"]["kept"])  # Anna's values stay
    assert by_line["line 9"]["action"] == "failed"  # the work of line 2 again
    assert "line 2" in by_line["line 9"]["reason"]


def test_the_import_runs_as_a_job_and_a_second_import_changes_nothing(
    app: Flask, client: FlaskClient, harvester: Harvester
) -> None:
    queued = client.post(
        "/api/imports?format=csv&name=cris.csv", data=CSV.encode(), headers=as_user(*LIBRARIAN)
    )
    assert queued.status_code == 202, queued.json
    assert queued.json["source"] == "csv"
    assert queued.json["parameters"] == {"name": "cris.csv"}
    while (job_id := harvester.claim()) is not None:
        harvester.run(job_id)
    done = client.get(f"/api/harvests/{queued.json['id']}", headers=as_user(*LIBRARIAN)).json
    assert (done["status"], done["created"], done["failed"], done["updated"]) == ("done", 3, 4, 0)
    problems = {problem["item"]: problem for problem in done["problems"]}
    assert problems["line 7"]["level"] == "failed"
    with app.extensions["catalogue"].db.reader() as session:
        two_lines = session.scalar(select(Record).where(Record.doi == "10.5555/imp.2"))
        assert two_lines is not None and two_lines.title == "A title\non two lines"
        first = session.scalar(select(Record).where(Record.doi == "10.5555/imp.1"))
        assert first is not None and first.creators[0].orcid == "0000-0002-1825-0097"

    again = client.post(
        "/api/imports?format=csv", data=CSV.encode(), headers=as_user(*LIBRARIAN)
    ).json
    while (job_id := harvester.claim()) is not None:
        harvester.run(job_id)
    second = client.get(f"/api/harvests/{again['id']}", headers=as_user(*LIBRARIAN)).json
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 3)
    assert second["failed"] == 4  # the same bad rows, named again


def test_a_spreadsheet_saved_with_semicolons_reads_the_same(client: FlaskClient) -> None:
    text = "title;doi;publication_date\nOutcomes of migraine care;10.5555/semi.1;2024-03-01\n"
    report = dry_run(client, "csv", text)
    assert report["counts"]["created"] == 1


def test_the_template_names_every_column_and_its_example_imports(client: FlaskClient) -> None:
    template = client.get("/api/imports/template.csv")
    assert template.status_code == 200
    assert template.mimetype == "text/csv"
    header = template.data.decode().splitlines()[0].split(",")
    assert header[:2] == ["title", "doi"] and "deposit_url" in header
    report = dry_run(client, "csv", template.data.decode())
    assert report["counts"]["created"] == 1, report


def test_bad_files_are_refused_with_the_reason(client: FlaskClient) -> None:
    wrong = client.post(
        "/api/imports?format=csv", data=b"name,year\nx,2024\n", headers=as_user(*LIBRARIAN)
    )
    assert wrong.status_code == 422
    assert "title" in str(wrong.json["errors"]["json"]["file"])
    latin = client.post("/api/imports?format=csv", data="titel\nCaf\xe9\n".encode("latin-1"))
    assert latin.status_code in {401, 403}  # not logged in: refused before the file is read
    latin = client.post(
        "/api/imports/dry-run?format=csv",
        data="title\nCaf\xe9\n".encode("latin-1"),
        headers=as_user(*LIBRARIAN),
    )
    assert latin.status_code == 422 and "UTF-8" in str(latin.json["errors"])
    refused = client.post("/api/imports?format=csv", data=CSV.encode(), headers=as_user("anna"))
    assert refused.status_code == 403


def test_ris_and_bibtex_from_the_command_line(
    app: Flask,
    client: FlaskClient,
    harvester: Harvester,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in harvester.settings.to_environ().items():
        monkeypatch.setenv(name, value)
    client.get("/api/me", headers=as_user(*LIBRARIAN))  # Lotte has logged in once
    ris, bib = tmp_path / "export.ris", tmp_path / "library.bib"
    ris.write_text(RIS)
    bib.write_text(BIBTEX)
    runner = CliRunner()
    who = ["--as", "lotte@example.org"]

    tried = runner.invoke(cli, ["import", "ris", str(ris), *who, "--dry-run"])
    assert tried.exit_code == 0, tried.output
    assert "1 created" in tried.output and "1 failed" in tried.output
    assert "ICOMM" in tried.output
    assert records(app) == 0

    done = runner.invoke(cli, ["import", "ris", str(ris), *who])
    assert done.exit_code == 0, done.output
    assert "1 created" in done.output
    bibtex = runner.invoke(cli, ["import", "bibtex", str(bib), *who])
    assert bibtex.exit_code == 0, bibtex.output
    assert "1 created" in bibtex.output and "2 failed" in bibtex.output
    assert "line 13" in bibtex.output  # the entry whose braces never close
    with app.extensions["catalogue"].db.reader() as session:
        from_ris = session.scalar(select(Record).where(Record.doi == "10.5555/ris.1"))
        assert from_ris is not None
        assert from_ris.keywords == ["cohort", "outcomes"]
        assert str(from_ris.publication_date) == "2023-11-20"
        from_bib = session.scalar(select(Record).where(Record.doi == "10.5555/bib.1"))
        assert from_bib is not None
        assert from_bib.title == "Outcomes of Migraine care in Leiden"
        assert [c.name for c in from_bib.creators] == [
            "Jansen, Anna",
            "de Boer, Piet",
            "van der Berg, Jan",
        ]
    template = runner.invoke(cli, ["import", "template"])
    assert template.output.startswith("title,doi,pmid,")


def test_an_import_asks_no_outside_service_so_needs_no_contact_address(
    app: Flask, client: FlaskClient
) -> None:
    import dataclasses

    state = app.extensions["catalogue"]
    unreachable = Harvester(state.db, dataclasses.replace(state.settings, contact_email=""))
    queued = client.post(
        "/api/imports?format=csv", data=b"title\nA work\n", headers=as_user(*LIBRARIAN)
    )
    assert unreachable.claim() == queued.json["id"]
    assert unreachable.run(queued.json["id"]).created == 1
