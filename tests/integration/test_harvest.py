"""Harvests of the institution's works from the local stand-in for OpenAlex, over real HTTP,
into the real database, read back through the API as a user would."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from catalogue.adapters.harvest.jobs import Harvester, queue_harvest, queue_researchers
from catalogue.cli import main as cli
from catalogue.models import AuditEvent, EnrichmentAnswer, HarvestJob, Record, User, utcnow
from catalogue.services.reports import open_access_report
from search.reports import ReportQuery
from tests import service_answers
from tests.fake_services import FakeServices, Reply
from tests.integration.conftest import as_user, minimal_publication, publish

LUMC = "https://ror.org/05xvt9f17"
THEME = "neuroscience"
LOTTE = "lotte@example.org"


def librarian(app: Flask, client: FlaskClient) -> User:
    """Lotte the librarian, known to the catalogue (she has called it once)."""
    client.get("/api/me", headers=as_user("lotte", "librarian"))
    with app.extensions["catalogue"].db.reader() as session:
        user = session.scalar(select(User).where(User.name.contains("lotte")))
        assert user is not None
        session.expunge(user)
        return user


def harvest(
    app: Flask, client: FlaskClient, harvester: Harvester, years: tuple[int, int] = (2023, 2024)
) -> HarvestJob:
    with app.extensions["catalogue"].db.unit_of_work() as session:
        job_id = queue_harvest(session, librarian(app, client), "openalex", [LUMC], *years).id
    assert harvester.claim() == job_id
    return harvester.run(job_id)


def counts(job: HarvestJob) -> dict[str, int]:
    return {
        name: getattr(job, name)
        for name in ("processed", "created", "updated", "unchanged", "conflicts", "failed")
    }


def count(app: Flask, model: Any) -> int:
    with app.extensions["catalogue"].db.reader() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def by_doi(client: FlaskClient, doi: str) -> dict[str, Any]:
    """The publication with ``doi``, as the API shows it to a librarian."""
    app = client.application
    with app.extensions["catalogue"].db.reader() as session:
        record_id = session.scalar(select(Record.id).where(Record.doi == doi))
    assert record_id is not None, doi
    record: dict[str, Any] = client.get(
        f"/api/publications/{record_id}", headers=as_user("lotte", "librarian")
    ).json
    return record


def test_a_harvest_brings_in_the_institutions_works_and_a_second_changes_nothing(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    services.openalex_works = [service_answers.openalex_work(n) for n in range(250)]
    job = harvest(app, client, harvester)

    assert job.status == "done"
    assert counts(job) == {
        "processed": 250,
        "created": 250,
        "updated": 0,
        "unchanged": 0,
        "conflicts": 0,
        "failed": 0,
    }
    assert job.total == 250
    # Three pages of 100, each asked for once, politely, for the institution and the years.
    listings = services.requests_to("/works")
    assert [seen.query["cursor"][0] for seen in listings] == ["*", "offset-100", "offset-200"]
    first = listings[0]
    assert first.query["filter"] == [
        "authorships.institutions.ror:05xvt9f17,publication_year:2023-2024"
    ]
    assert first.query["mailto"] == ["library@example.org"]
    assert "mailto:library@example.org" in first.headers["User-Agent"]

    record = by_doi(client, "10.5555/lumc.2024.15")
    assert record["status"] == "published"
    assert record["title"] == "Outcomes study number 15 in clinical research (2024)"
    assert record["resource_type"] == "JournalArticle"
    assert record["publication_date"] == "2024-04-16"
    assert record["creators"][0]["name"] == "Author 15 Jansen"
    assert record["creators"][0]["orcid"] == "0000-0002-1825-0097"
    assert record["creators"][0]["affiliations"] == [
        {"name": "Leiden University Medical Center", "ror": LUMC}
    ]
    assert record["journal"]["issn"] == service_answers.issn(1001)
    assert record["journal"]["eissn"] == service_answers.issn(2001)
    assert record["description"] == "We studied outcomes 15"
    assert record["alternate_identifiers"] == [
        {"scheme": "openalex", "identifier": "W9000015"},
        {"scheme": "pmid", "identifier": "30000015"},
    ]
    datacite = client.get(f"/records/{record['id']}?format=datacite-json").json
    alternates = datacite["data"]["attributes"]["identifiers"]
    assert {"identifier": "30000015", "identifierType": "PMID"} in alternates
    # Free to read at the publisher under CC BY: classified from the harvested evidence.
    assert record["publisher_free_to_read"] is True
    assert record["publisher_license"] == "CC-BY-4.0"
    assert record["open_access"]["status"] in {"gold", "hybrid"}
    history = client.get(
        f"/api/publications/{record['id']}/history", headers=as_user("lotte", "librarian")
    ).json
    assert history[0]["action"] == "create"
    assert history[0]["changes"]["title"]["source"] == "openalex"
    # The work as OpenAlex gave it is kept as the evidence behind the values.
    assert count(app, EnrichmentAnswer) == 250

    audit_before = count(app, AuditEvent)
    again = harvest(app, client, harvester)
    assert counts(again) == {
        "processed": 250,
        "created": 0,
        "updated": 0,
        "unchanged": 250,
        "conflicts": 0,
        "failed": 0,
    }
    assert count(app, Record) == 250
    assert count(app, AuditEvent) == audit_before
    assert by_doi(client, "10.5555/lumc.2024.15")["revision"] == record["revision"]


def test_a_persons_edit_survives_a_reharvest_and_the_source_changes_the_rest(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    services.openalex_works = [service_answers.openalex_work(n) for n in range(3)]
    harvest(app, client, harvester)
    record = by_doi(client, "10.5555/lumc.2024.1")
    lotte = as_user("lotte", "librarian")
    editable = {"doi", "creators", "keywords", "publication_date", "resource_type", "language"}
    edited = dict(
        {k: v for k, v in record.items() if k in editable},
        title="Outcomes study 1, as the author titled it",
        themes=[THEME],
    )
    changed = client.put(
        f"/api/publications/{record['id']}",
        json=edited,
        headers={**lotte, "If-Match": str(record["revision"])},
    )
    assert changed.status_code == 200, changed.json

    # OpenAlex now has another title and another keyword for the work.
    services.openalex_works[1] = service_answers.openalex_work(
        1,
        title="Outcomes study number 1, corrected",
        keywords=[{"id": "https://openalex.org/keywords/x", "display_name": "Cohort studies"}],
    )
    job = harvest(app, client, harvester)

    assert (job.conflicts, job.unchanged, job.updated) == (1, 2, 0)
    after = by_doi(client, "10.5555/lumc.2024.1")
    assert after["title"] == "Outcomes study 1, as the author titled it"  # the person's
    assert after["themes"] == [THEME]
    assert after["keywords"] == ["Cohort studies"]  # nobody had touched them: the source's
    problem = job.problems[-1]
    assert (problem["level"], problem["record"]) == ("conflict", record["id"])
    assert "title" in problem["reason"]
    history = client.get(f"/api/publications/{record['id']}/history", headers=lotte).json
    assert history[-1]["action"] == "harvest"
    assert history[-1]["changes"]["keywords"]["source"] == "openalex"
    assert "title" not in history[-1]["changes"]
    # A third harvest of the same: nothing new to say, nothing reported.
    third = harvest(app, client, harvester)
    assert (third.conflicts, third.unchanged) == (0, 3)


def test_a_registered_publication_is_matched_by_its_doi_in_any_spelling(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    mine = publish(
        client,
        "publications",
        minimal_publication(doi="https://doi.org/10.5555/LUMC.2024.3", title="Anna's title"),
    )
    services.openalex_works = [service_answers.openalex_work(3)]
    job = harvest(app, client, harvester)

    assert (job.created, job.conflicts) == (0, 1)
    after = client.get(f"/api/publications/{mine['id']}", headers=as_user("anna")).json
    assert after["title"] == "Anna's title"
    # The librarian's harvest fills the Open Access fields Anna left empty, nothing else.
    assert after["publisher_free_to_read"] is True
    assert after["creators"] == mine["creators"]
    assert count(app, Record) == 1


def test_a_work_is_matched_by_its_pubmed_or_openalex_id_when_the_doi_is_new(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    services.openalex_works = [service_answers.openalex_work(4, doi=None)]
    harvest(app, client, harvester)
    services.openalex_works = [service_answers.openalex_work(4)]  # a DOI now, same PubMed id
    job = harvest(app, client, harvester)

    assert (job.created, job.updated) == (0, 1)
    assert count(app, Record) == 1
    assert by_doi(client, "10.5555/lumc.2024.4")["doi"] == "10.5555/lumc.2024.4"


def test_a_harvest_stopped_in_the_middle_resumes_without_asking_twice(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    services.openalex_works = [service_answers.openalex_work(n) for n in range(230)]
    with app.extensions["catalogue"].db.unit_of_work() as session:
        job_id = queue_harvest(session, librarian(app, client), "openalex", [LUMC], 2024, 2024).id
    stop = threading.Event()

    def stop_after_150(job: HarvestJob) -> None:
        if job.processed >= 150:
            stop.set()

    assert harvester.claim() == job_id
    stopped = harvester.run(job_id, progress=stop_after_150, stop=stop)
    assert (stopped.status, stopped.processed) == ("queued", 150)

    assert harvester.claim() == job_id
    done = harvester.run(job_id)
    assert (done.status, done.processed, done.created) == ("done", 230, 230)
    assert count(app, Record) == 230
    cursors = [seen.query["cursor"][0] for seen in services.requests_to("/works")]
    assert cursors == ["*", "offset-100", "offset-200"]


def test_a_throttled_or_failing_service_is_retried_politely_then_reported(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    services.openalex_works = [service_answers.openalex_work(n) for n in range(5)]
    services.script["/works"] = [
        Reply(429, {"error": "rate limited"}, {"Retry-After": "0"}),
        Reply(503, "busy"),
    ]
    job = harvest(app, client, harvester)
    assert (job.status, job.created) == ("done", 5)
    assert len(services.requests_to("/works")) == 3

    services.script["/works"] = [Reply(503, "down for maintenance")] * 10
    failing = harvest(app, client, harvester)
    assert failing.status == "failed"
    assert "503" in failing.problems[-1]["reason"]
    # Asked again by its id once the service is back, it resumes and finishes.
    services.script["/works"] = []
    assert harvester.claim(failing.id) == failing.id
    assert harvester.run(failing.id).status == "done"


def test_a_malformed_work_is_skipped_and_named_and_the_rest_goes_on(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    services.openalex_works = [
        service_answers.openalex_work(1),
        {"id": "https://openalex.org/W5", "type": "article"},  # no title
        "not a work",
        service_answers.openalex_work(2, type="paratext"),
        service_answers.openalex_work(3, publication_date="1024-02-03", language="english!"),
        service_answers.openalex_work(6),
    ]
    job = harvest(app, client, harvester)

    assert (job.status, job.created, job.failed) == ("done", 3, 3)
    reasons = {problem["item"]: problem["reason"] for problem in job.problems}
    assert "title" in reasons["W5"]
    assert "not an OpenAlex work" in reasons["?"]
    assert "paratext" in reasons["https://openalex.org/W9000002"]
    # Work 3's impossible date and odd language are left out and named; the work is kept.
    skipped = [p for p in job.problems if p["level"] == "skipped"]
    assert {p["reason"].split(":")[0] for p in skipped} == {"publication_date", "language"}
    assert by_doi(client, "10.5555/lumc.2024.3")["publication_date"] is None


def test_operators_harvest_from_the_command_line_and_a_daily_run_changes_nothing(
    app: Flask,
    client: FlaskClient,
    harvester: Harvester,
    services: FakeServices,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in harvester.settings.to_environ().items():
        monkeypatch.setenv(name, value)  # what `catalogue` reads: the test database, the stand-in
    services.openalex_works = [service_answers.openalex_work(n) for n in range(12)]
    librarian(app, client)
    runner = CliRunner()

    ran = runner.invoke(
        cli, ["harvest", "openalex", "--as", LOTTE, "--from-year", "2024", "--to-year", "2024"]
    )
    assert ran.exit_code == 0, ran.output
    assert "12/12 works, 12 created" in ran.output
    daily = runner.invoke(cli, ["harvest", "daily", "--as", LOTTE])
    assert daily.exit_code == 0, daily.output
    assert "12 unchanged" in daily.output
    this_year = utcnow().year
    assert services.requests_to("/works")[-1].query["filter"] == [
        f"authorships.institutions.ror:05xvt9f17,publication_year:{this_year - 1}-{this_year}"
    ]
    status = runner.invoke(cli, ["harvest", "status"])
    assert status.exit_code == 0 and "done" in status.output and "12/12" in status.output
    wrong = runner.invoke(cli, ["harvest", "openalex", "--as", LOTTE, "--ror", "05xvt9f18"])
    assert wrong.exit_code == 2 and "ROR" in wrong.output


def test_library_staff_queue_and_follow_harvests_over_the_api(
    client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    services.openalex_works = [service_answers.openalex_work(n) for n in range(3)]
    lotte = as_user("lotte", "librarian")
    queued = client.post("/api/harvests", json={"from_year": 2024, "to_year": 2024}, headers=lotte)
    assert queued.status_code == 202, queued.json
    assert queued.json["parameters"]["rors"] == [LUMC]
    assert queued.json["status"] == "queued"
    while (job_id := harvester.claim()) is not None:
        harvester.run(job_id)

    done = client.get(f"/api/harvests/{queued.json['id']}", headers=lotte).json
    assert (done["status"], done["created"], done["total"]) == ("done", 3, 3)
    listed = client.get("/api/harvests", headers=lotte).json
    assert [job["id"] for job in listed] == [queued.json["id"]]
    wrong = client.post("/api/harvests", json={"from_year": 2025, "to_year": 2024}, headers=lotte)
    assert wrong.status_code == 422 and "from_year" in wrong.json["errors"]["json"]
    refused = client.post(
        "/api/harvests", json={"from_year": 2024, "to_year": 2024}, headers=as_user("anna")
    )
    assert refused.status_code == 403


def test_the_journal_register_learns_which_journals_are_fully_open_access(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    # Work 21: a CC BY article, free to read, in journal 0, which OpenAlex lists as fully
    # Open Access (the register has not loaded DOAJ).
    services.openalex_works = [service_answers.openalex_work(21)]
    harvest(app, client, harvester)

    record = by_doi(client, "10.5555/lumc.2024.21")
    assert record["journal"]["fully_oa"] is True
    assert record["journal"]["fully_oa_source"] == "openalex"
    assert record["journal"]["in_doaj"] is False
    assert record["open_access"]["status"] == "gold"
    assert record["open_access"]["category"] == "hybrid"  # the Dutch scheme: DOAJ only
    assert any("openalex says so" in rule for rule in record["open_access"]["rules"])


def test_researchers_works_come_from_orcid_and_crossref(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    anna, nobody = "0000-0002-1825-0097", "0000-0001-5109-3700"
    services.crossref.add("10.5555/orcid.1")
    services.orcid_works[anna] = [
        service_answers.orcid_group(1, "As ORCID titles it", 2024, doi="10.5555/ORCID.1"),
        service_answers.orcid_group(2, "A work without a DOI", 2024),
        service_answers.orcid_group(3, "Before she came here", 2015, doi="10.5555/orcid.3"),
        service_answers.orcid_group(4, "Interview data", 2024, kind="data-set"),
    ]
    # Everyone with an ORCID iD in the catalogue: Anna has one, and so does someone ORCID
    # does not know.
    publish(client, "publications", minimal_publication())  # Anna has logged in
    lotte = librarian(app, client)
    with app.extensions["catalogue"].db.unit_of_work() as session:
        for user in session.scalars(select(User)):
            user.orcid = anna if "anna" in user.name.lower() else nobody
        job_id = queue_researchers(session, lotte, None, 2023, 2024).id
    assert harvester.claim() == job_id
    job = harvester.run(job_id)

    assert (job.status, job.created, job.failed) == ("done", 2, 2)
    from_crossref = by_doi(client, "10.5555/orcid.1")
    assert from_crossref["title"] == "Migraine in a multi-centre European cohort"  # Crossref's
    assert from_crossref["journal"]["issn"] is not None
    with app.extensions["catalogue"].db.reader() as session:
        own = session.scalar(select(Record).where(Record.title == "A work without a DOI"))
        assert own is not None
        assert [c.name for c in own.creators] == ["Anna Jansen", "Piet de Boer"]
        assert own.creators[0].orcid == anna
        assert str(own.publication_date) == "2024-04-09"
    reasons = " ".join(problem["reason"] for problem in job.problems)
    assert "'data-set'" in reasons and f"ORCID has no record {nobody}" in reasons
    assert not services.requests_to("/works/10.5555/orcid.3")  # outside the years: not asked

    again = client.post(
        "/api/harvests",
        json={"source": "orcid", "orcids": [anna], "from_year": 2023, "to_year": 2024},
        headers=as_user("lotte", "librarian"),
    )
    assert again.status_code == 202, again.json
    assert harvester.claim() == again.json["id"]
    second = harvester.run(again.json["id"])
    assert (second.created, second.unchanged) == (0, 2)


def test_the_people_register_places_works_in_their_authors_departments_by_date(
    app: Flask,
    client: FlaskClient,
    harvester: Harvester,
    services: FakeServices,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in harvester.settings.to_environ().items():
        monkeypatch.setenv(name, value)
    register = tmp_path / "people.csv"
    runner = CliRunner()
    # A bad row: nothing changes, and the line and field are named.
    register.write_text(
        "orcid,email,name,department,from,until\n"
        "0000-0002-1825-0097,,Author Jansen,cardiology,2020-01-01,2024-03-31\n"
        "0000-0002-1825-0098,,Wrong check digit,cardiology,,\n"
        ",,Nobody,no-such-department,,\n"
    )
    refused = runner.invoke(cli, ["people", "import", str(register)])
    assert refused.exit_code == 2
    assert "line 3: orcid" in refused.output and "line 4" in refused.output
    register.write_text(
        "orcid,email,name,department,from,until\n"
        "0000-0002-1825-0097,,Author Jansen,cardiology,2020-01-01,2024-03-31\n"
        "0000-0002-1825-0097,,Author Jansen,clinical-genetics,2024-04-01,\n"
    )
    loaded = runner.invoke(cli, ["people", "import", str(register)])
    assert loaded.exit_code == 0 and "2 rows" in loaded.output, loaded.output

    # Works 0, 5 and 10 have that author first: published 2024-01-01, 06-06 and 11-11.
    services.openalex_works = [service_answers.openalex_work(n) for n in (0, 1, 5, 10)]
    job = harvest(app, client, harvester)
    assert job.created == 4
    assert by_doi(client, "10.5555/lumc.2024.0")["departments"] == ["cardiology"]
    assert by_doi(client, "10.5555/lumc.2024.5")["departments"] == ["clinical-genetics"]
    assert by_doi(client, "10.5555/lumc.2024.1")["departments"] == []  # no known author
    # The register changes (the move was later): known works follow, being untouched.
    register.write_text(
        "orcid,email,name,department,from,until\n"
        "0000-0002-1825-0097,,Author Jansen,cardiology,2020-01-01,2024-08-31\n"
        "0000-0002-1825-0097,,Author Jansen,clinical-genetics,2024-09-01,\n"
    )
    assert runner.invoke(cli, ["people", "import", str(register)]).exit_code == 0
    again = harvest(app, client, harvester)
    assert (again.updated, again.unchanged) == (1, 3)
    assert by_doi(client, "10.5555/lumc.2024.5")["departments"] == ["cardiology"]


def test_a_harvest_finds_the_record_a_duplicate_was_merged_into(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    services.openalex_works = [service_answers.openalex_work(8)]
    harvest(app, client, harvester)
    harvested = by_doi(client, "10.5555/lumc.2024.8")
    kept = publish(client, "publications", minimal_publication(doi=None, title="Outcomes 8"))
    lotte = as_user("lotte", "librarian")
    merged = client.post(
        f"/api/publications/{kept['id']}/merge",
        json={"duplicate": harvested["id"]},
        headers={**lotte, "If-Match": str(kept["revision"])},
    )
    assert merged.status_code == 200, merged.json

    services.openalex_works = [service_answers.openalex_work(8, title="Outcomes 8, corrected")]
    job = harvest(app, client, harvester)
    assert (job.created, job.conflicts) == (0, 1)  # the kept record, Anna's title kept
    assert count(app, Record) == 2


def test_rules_suggest_themes_that_a_person_confirms_and_reports_count_only_confirmed(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    ada = as_user("ada", "administrator")
    rules = {
        "rules": [
            {"kind": "keyword", "value": "outcomes", "theme": "population-health"},
            {"kind": "keyword", "value": "Cohort", "theme": "genetics"},
            {"kind": "department", "value": "cardiology", "theme": "cardiovascular"},
        ]
    }
    wrong = client.put(
        "/api/theme-rules",
        json={"rules": [{"kind": "department", "value": "nowhere", "theme": "genetics"}]},
        headers=ada,
    )
    assert wrong.status_code == 422 and "value" in str(wrong.json["errors"])
    saved = client.put("/api/theme-rules", json=rules, headers=ada)
    assert saved.status_code == 200, saved.json
    assert client.get("/api/theme-rules").json["rules"][1] == {
        "kind": "keyword",
        "value": "cohort",  # compared in lower case
        "theme": "genetics",
    }

    services.openalex_works = [service_answers.openalex_work(3)]  # keyword "Outcomes"
    harvest(app, client, harvester)
    record = by_doi(client, "10.5555/lumc.2024.3")
    assert record["themes"] == []
    assert record["suggested_themes"] == [
        {"theme": "population-health", "reason": "keyword 'outcomes'"}
    ]
    # The pages show them as suggestions: on the record, and beside the box that confirms one.
    page_headers = {"Accept": "text/html", **as_user("lotte", "librarian")}
    page = client.get(f"/records/{record['id']}", headers=page_headers).get_data(as_text=True)
    assert "Suggested themes" in page and "(keyword &#39;outcomes&#39;)" in page
    assert f"/records/{record['id']}/edit#themes" in page
    form = client.get(f"/records/{record['id']}/edit", headers=page_headers).get_data(as_text=True)
    box = form.index('name="themes" value="population-health"')
    assert "suggested: keyword &#39;outcomes&#39;" in form[box : box + 200]
    assert 'value="population-health" checked' not in form
    # Not a theme: searches and reports count the themes people gave.
    by_theme = client.get(
        "/api/reports/open-access?scope=all&theme=population-health",
        headers=as_user("lotte", "librarian"),
    ).json
    assert by_theme["years"] == []

    lotte = as_user("lotte", "librarian", **{"If-Match": str(record["revision"])})
    editable = {"doi", "creators", "keywords", "publication_date", "resource_type", "title"}
    confirmed = client.put(
        f"/api/publications/{record['id']}",
        json={**{k: record[k] for k in editable}, "themes": ["population-health"]},
        headers=lotte,
    )
    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["themes"] == ["population-health"]
    assert confirmed.json["suggested_themes"] == []


def _theme_totals(report: dict[str, Any]) -> dict[str, int]:
    return {group["key"]: sum(y["total"] for y in group["years"]) for group in report["groups"]}


def test_a_report_counts_suggested_themes_when_asked_the_same_from_both_engines(
    app: Flask,
    client: FlaskClient,
    harvester: Harvester,
    services: FakeServices,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ada, lotte = as_user("ada", "administrator"), as_user("lotte", "librarian")
    rules = {
        "rules": [
            {"kind": "keyword", "value": "outcomes", "theme": "population-health"},
            # OpenAlex files the even works under Neurology (a subfield), the odd under a
            # heart failure topic: by name, in any case.
            {"kind": "topic", "value": "Neurology", "theme": THEME},
            {"kind": "topic", "value": "heart failure treatment and management",
             "theme": "cardiovascular"},
        ]
    }  # fmt: skip
    assert client.put("/api/theme-rules", json=rules, headers=ada).status_code == 200
    services.openalex_works = [service_answers.openalex_work(n) for n in range(6)]
    harvest(app, client, harvester)
    assert by_doi(client, "10.5555/lumc.2024.2")["suggested_themes"] == [
        {"theme": THEME, "reason": "OpenAlex topic 'neurology'"},
        {"theme": "population-health", "reason": "keyword 'outcomes'"},
    ]
    # Anna's own article, with the theme she gave it (rules suggest for harvested and
    # imported works only).
    publish(client, "publications", minimal_publication(publication_date="2024-05-01"))

    url = "/api/reports/open-access?scope=all&group_by=theme"
    confirmed = client.get(url, headers=lotte).json
    assert confirmed["filters"]["suggested_themes"] == "exclude"
    assert _theme_totals(confirmed) == {THEME: 1}
    suggested = client.get(f"{url}&suggested_themes=include", headers=lotte).json
    assert suggested["filters"]["suggested_themes"] == "include"
    assert suggested["counted_by"] == "elasticsearch"
    assert _theme_totals(suggested) == {THEME: 4, "cardiovascular": 3, "population-health": 6}
    only = client.get(
        "/api/reports/open-access?scope=all&theme=population-health&suggested_themes=include",
        headers=lotte,
    ).json
    assert [(year["year"], year["total"]) for year in only["years"]] == [(2024, 6)]
    page = client.get(
        "/open-access?scope=all&theme=population-health&suggested_themes=include",
        headers={"Accept": "text/html"},
    ).get_data(as_text=True)
    assert 'name="suggested_themes" value="include" checked' in page
    assert "no person has confirmed them yet" in page
    assert '<th scope="row">2024</th><td>6</td>' in page

    state = app.extensions["catalogue"]
    queries = [
        ReportQuery(scope="all", group_by="theme", include_suggested=True),
        ReportQuery(scope="all", themes=("population-health",), include_suggested=True),
        ReportQuery(scope="all", themes=("population-health", THEME), include_suggested=True,
                    group_by="theme"),
        ReportQuery(scope="articles", group_by="department", include_suggested=True),
    ]  # fmt: skip
    with state.db.reader() as session:
        for query in queries:
            from_search = open_access_report(session, state.backend, query)
            from_sql = open_access_report(session, None, query)
            assert (from_search.pop("counted_by"), from_sql.pop("counted_by")) == (
                "elasticsearch",
                "sql",
            )
            assert from_search == from_sql

    # Before an upgrade's reindex some documents lack the suggestions: SQL counts meanwhile.
    with state.db.unit_of_work() as session:
        session.execute(text("UPDATE search_documents SET format = 0"))
    meanwhile = client.get(f"{url}&suggested_themes=include", headers=lotte).json
    assert meanwhile["counted_by"] == "sql"
    assert _theme_totals(meanwhile) == _theme_totals(suggested)
    assert client.get(url, headers=lotte).json["counted_by"] == "elasticsearch"
    state.indexer.reindex()
    after = client.get(f"{url}&suggested_themes=include", headers=lotte).json
    assert after["counted_by"] == "elasticsearch"
    assert _theme_totals(after) == _theme_totals(suggested)

    wrong = client.get(f"{url}&suggested_themes=maybe", headers=lotte)
    assert wrong.status_code == 422 and "suggested_themes" in wrong.json["errors"]["query"]

    # The rules change: `catalogue theme-rules apply` refreshes the works, and the report.
    fewer = {"rules": rules["rules"][1:]}
    assert client.put("/api/theme-rules", json=fewer, headers=ada).status_code == 200
    for name, value in harvester.settings.to_environ().items():
        monkeypatch.setenv(name, value)
    applied = CliRunner().invoke(cli, ["theme-rules", "apply"])
    assert applied.exit_code == 0, applied.output
    assert "6 works: suggestions changed for 6" in applied.output
    final = client.get(f"{url}&suggested_themes=include", headers=lotte).json
    assert _theme_totals(final) == {THEME: 4, "cardiovascular": 3}
    again = CliRunner().invoke(cli, ["theme-rules", "apply"])
    assert "6 works: suggestions changed for 0" in again.output
