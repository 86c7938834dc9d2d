"""The pages, read as a browser reads them (without JavaScript): status codes, what shows,
what must not show, and that text stays text. Journeys in a real browser are in tests/browser.
"""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.integration.conftest import as_user, minimal_dataset, minimal_publication

PAGE = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
HOSTILE = "<script>alert('x')</script> \"quoted\" & \u05e9\u05dc\u05d5\u05dd"


def published(client: FlaskClient, kind: str = "datasets", **fields: Any) -> dict[str, Any]:
    body = minimal_dataset(**fields) if kind == "datasets" else minimal_publication(**fields)
    created = client.post(f"/api/{kind}", json=body, headers=as_user("anna"))
    assert created.status_code == 201, created.json
    done = client.post(
        f"/api/{kind}/{created.json['id']}/publish",
        headers=as_user("anna", **{"If-Match": created.headers["ETag"]}),
    )
    assert done.status_code == 200, done.json
    record: dict[str, Any] = done.json
    return record


def text_of(response: Any) -> str:
    assert response.mimetype == "text/html"
    body: str = response.get_data(as_text=True)
    return body


def words_of(page: str) -> str:
    """The page's text as a reader sees it (tags such as a highlight's <mark> removed)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))


def test_the_home_page_offers_search_themes_objectives_and_newest(client: FlaskClient) -> None:
    record = published(client, title="Migraine cohort diaries")

    page = text_of(client.get("/", headers=PAGE))

    assert 'role="search"' in page and 'name="q"' in page
    assert "Migraine cohort diaries" in page
    assert f"/records/{record['id']}" in page
    assert "/search?theme=neuroscience" in page  # the theme the record has, with its count
    assert "Research is FAIR" in page and "Open Access is the norm" in page
    fair = client.get("/api/reports/fair").json["years"][-1]
    assert f"of {fair['datasets']} datasets of {fair['year']}" in page  # the report's figure


def test_search_narrows_by_facets_and_keeps_its_state_in_the_url(client: FlaskClient) -> None:
    published(client, title="Migraine in adults", themes=["neuroscience"])
    published(client, title="Migraine in children", themes=["neuroscience", "lifecourse"])
    published(client, "publications", title="Migraine and sleep")

    everything = text_of(client.get("/search?q=migraine", headers=PAGE))
    narrowed = text_of(client.get("/search?q=migraine&kind=dataset&theme=lifecourse", headers=PAGE))

    assert "3 results" in words_of(everything)
    assert "1 result" in words_of(narrowed) and "Migraine in children" in words_of(narrowed)
    assert "Migraine and sleep" not in words_of(narrowed)
    # The chosen filters are checked boxes of the form, so the next search keeps them.
    assert re.search(r'name="theme" value="lifecourse" checked', narrowed)
    assert re.search(r'name="kind" value="dataset" checked', narrowed)


def test_a_search_that_finds_nothing_says_what_to_loosen(client: FlaskClient) -> None:
    published(client)
    page = text_of(client.get("/search?q=zzzqqq&theme=neuroscience", headers=PAGE))
    assert "Nothing matches" in page and "Search without the filters" in page


def test_bad_search_settings_are_named_on_the_page(client: FlaskClient) -> None:
    response = client.get("/search?sort=random&year=abc", headers=PAGE)
    page = text_of(response)
    assert response.status_code == 422
    assert "sort" in page and "year" in page and "Traceback" not in page


def test_a_record_page_shows_what_a_reader_needs(client: FlaskClient) -> None:
    record = published(client, doi="10.34894/ABCDEF", version="2.0")

    page = text_of(client.get(f"/records/{record['id']}", headers=PAGE))

    assert "Cohort study of migraine in adults in Leiden" in page
    assert "https://orcid.org/0000-0002-1825-0097" in page
    assert "https://doi.org/10.34894/abcdef" in page.lower()
    assert "Jansen, A. (2024)" in page  # APA
    assert "Jansen A. Cohort study of migraine in adults in Leiden [dataset]. Version 2.0." in page
    assert "FAIR assessment" in page and "Findable" in page
    score = client.get(f"/api/datasets/{record['id']}/fair").json["score"]
    assert f'<p class="figure">{score:.0f}%</p>' in page  # the API's figure, as a percentage
    assert "https://dataverse.nl/dataset.xhtml" in page  # open data: the link shows


def test_a_publication_page_shows_both_open_access_schemes(client: FlaskClient) -> None:
    record = published(client, "publications", publisher_free_to_read=False)
    page = text_of(client.get(f"/records/{record['id']}", headers=PAGE))
    assert "Status (international)" in page and "Category (Dutch monitor)" in page
    assert "The rules that decided" in page


def test_restricted_links_never_reach_a_page(client: FlaskClient) -> None:
    secret = "https://data.example.org/secret-cohort.zip"
    record = published(client, access_right="restricted", distributions=[{"access_url": secret}])
    for headers in (PAGE, {**PAGE, **as_user("bram")}):
        page = text_of(client.get(f"/records/{record['id']}", headers=headers))
        assert secret not in page
        assert "granted access" in page
    assert secret not in text_of(client.get("/search?q=cohort", headers=PAGE))
    owner = text_of(client.get(f"/records/{record['id']}", headers={**PAGE, **as_user("anna")}))
    assert secret in owner


def test_a_draft_is_not_found_for_others_and_a_withdrawn_record_is_gone(
    client: FlaskClient,
) -> None:
    draft = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    hidden = client.get(f"/records/{draft['id']}", headers=PAGE)
    assert hidden.status_code == 404 and "Not found" in text_of(hidden)

    record = published(client)
    client.post(
        f"/api/datasets/{record['id']}/withdraw",
        json={"reason": "Consent was withdrawn by participants."},
        headers=as_user("anna", **{"If-Match": '"2"'}),
    )
    gone = client.get(f"/records/{record['id']}", headers=PAGE)
    assert gone.status_code == 410
    page = text_of(gone)
    assert "Consent was withdrawn by participants." in page and "Jansen, A." in page


def test_a_work_url_leads_to_its_latest_version(client: FlaskClient) -> None:
    record = published(client)
    newer = client.post(f"/api/datasets/{record['id']}/versions", headers=as_user("anna")).json
    client.post(
        f"/api/datasets/{newer['id']}/publish",
        headers=as_user("anna", **{"If-Match": f'"{newer["revision"]}"'}),
    )

    response = client.get(f"/works/{record['concept_id']}", headers=PAGE)

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/records/{newer['id']}")
    old = text_of(client.get(f"/records/{record['id']}", headers=PAGE))
    assert "A newer version exists" in old


def test_text_stays_text_on_every_page(client: FlaskClient) -> None:
    record = published(
        client,
        title=f"Title {HOSTILE}",
        description=f"Description {HOSTILE}",
        creators=[{"name": f"Name, {HOSTILE}"}],
        keywords=[HOSTILE[:60]],
    )
    for path in ("/", "/search?q=title", f"/records/{record['id']}"):
        page = text_of(client.get(path, headers=PAGE))
        assert "<script>alert" not in page, path
        assert "&lt;script&gt;alert" in page, path
        assert "\u05e9\u05dc\u05d5\u05dd" in page, path  # right-to-left text kept as it is


def test_pages_answer_errors_as_pages_and_the_api_as_json(client: FlaskClient) -> None:
    page = client.get("/no-such-page", headers=PAGE)
    assert page.status_code == 404 and "Go to the home page" in text_of(page)
    api = client.get("/api/no-such-thing", headers=PAGE)
    assert api.status_code == 404 and api.json["code"] == 404


def test_the_pages_speak_dutch_and_the_switch_keeps_the_page(client: FlaskClient) -> None:
    published(client)
    dutch = client.get("/search?q=migraine&lang=nl", headers=PAGE)
    page = text_of(dutch)
    assert '<html lang="nl">' in page and "Zoeken" in page and "1 resultaat" in words_of(page)
    assert {"Accept-Language", "Cookie"} <= set(dutch.headers["Vary"].replace(" ", "").split(","))
    assert "lang=nl" in dutch.headers["Set-Cookie"]
    # The choice is remembered, and the switch back leads to the same search.
    again = text_of(client.get("/search?q=migraine", headers=PAGE))
    assert "Doorzoek de catalogus" in again
    assert re.search(r'href="/search\?q=migraine&amp;lang=en"[^>]*>English<', again)
    newcomer = client.application.test_client()  # no cookie: the browser's language decides
    browser_says = text_of(
        newcomer.get("/", headers={**PAGE, "Accept-Language": "nl-NL,nl;q=0.9,en;q=0.5"})
    )
    assert "Vind onderzoeksdata en publicaties" in browser_says


def test_the_dashboards_show_the_report_apis_figures(client: FlaskClient) -> None:
    for year in ("2023-02-14", "2024-03-01"):
        published(client, "publications", publication_date=year, doi=None)
    published(
        client,
        "publications",
        publication_date="2024-05-01",
        doi=None,
        publisher_free_to_read=True,
        publisher_license="CC-BY-4.0",
    )
    published(client)

    api = client.get("/api/reports/open-access?scope=all").json
    page = text_of(client.get("/open-access?scope=all", headers=PAGE))
    for year in api["years"]:
        share = year["dutch_open_share"]
        shown = f"{share:.1f}%" if share is not None else "\u2013"
        row = re.search(rf'<th scope="row">{year["year"]}</th><td>{year["total"]}</td>', page)
        assert row and shown in page[row.end() : row.end() + 400], year
    assert "<svg" in page and 'role="img"' in page
    assert "/api/reports/open-access?scope=all&amp;format=csv" in page

    fair_api = client.get("/api/reports/fair").json
    fair_page = text_of(client.get("/fair", headers=PAGE))
    latest = fair_api["years"][-1]
    assert f'<th scope="row">{latest["year"]}</th><td>{latest["datasets"]}</td>' in fair_page


def test_dashboard_filters_that_cannot_be_used_are_named(client: FlaskClient) -> None:
    response = client.get("/fair?year_from=abc", headers=PAGE)
    assert response.status_code == 422
    assert 'id="year_from-error"' in text_of(response)


def test_my_catalogue_lists_my_drafts_and_checks_the_token_form(client: FlaskClient) -> None:
    assert client.get("/me", headers=PAGE).headers["Location"].startswith("/auth/login?next=/me")
    draft = client.post(
        "/api/datasets", json=minimal_dataset(title="My unfinished cohort"), headers=as_user("anna")
    ).json
    mine = {**PAGE, **as_user("anna")}

    page = text_of(client.get("/me", headers=mine))
    assert "My unfinished cohort" in page and f"/records/{draft['id']}" in page

    # Bearer callers are exempt from CSRF, so the form's own checks are what is tested here.
    empty = client.post("/me/tokens", data={"name": " ", "expires_in_days": "99999"}, headers=mine)
    assert empty.status_code == 422
    shown = text_of(empty)
    assert 'id="token-name-error"' in shown
    made = client.post("/me/tokens", data={"name": "nightly", "scopes": "write"}, headers=mine)
    assert made.status_code == 201 and "cat_" in text_of(made)


def test_citation_files_for_reference_managers(client: FlaskClient) -> None:
    record = published(client, doi="10.34894/ABCDEF")
    for name, media_type, start in (
        ("bibtex", "application/x-bibtex", "@dataset{"),
        ("ris", "application/x-research-info-systems", "TY  - DATA"),
        ("csl-json", "application/vnd.citationstyles.csl+json", "["),
    ):
        response = client.get(f"/records/{record['id']}/citation/{name}")
        assert response.status_code == 200 and response.mimetype == media_type
        assert response.get_data(as_text=True).startswith(start)
        assert "attachment" in response.headers["Content-Disposition"]
    draft = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    assert client.get(f"/records/{draft['id']}/citation/bibtex").status_code == 404
    assert client.get(f"/records/{record['id']}/citation/word").status_code == 404


def test_a_refused_correction_keeps_what_the_librarian_typed(client: FlaskClient) -> None:
    record = published(client, "publications", publisher_free_to_read=None, doi=None)
    librarian = {**PAGE, **as_user("lotte", "librarian")}
    page = text_of(client.get("/worklists/unknown", headers=librarian))
    assert "Correct the status" in page and record["title"] in page

    refused = client.post(
        f"/worklists/unknown/correct/{record['id']}",
        data={"status": "green", "evidence": "not a url", "note": "Seen in the repository."},
        headers=librarian,
    )

    assert refused.status_code == 422
    shown = text_of(refused)
    assert f'id="evidence-{record["id"]}-error"' in shown
    assert 'value="Seen in the repository."' in shown
    researcher = text_of(client.get("/worklists/unknown", headers={**PAGE, **as_user("bram")}))
    assert "Correct the status" not in researcher  # the form is for library staff


def test_versioned_assets_are_cached_for_a_year(client: FlaskClient) -> None:
    page = text_of(client.get("/", headers=PAGE))
    css = re.search(r'href="(/assets/catalogue\.css\?v=[0-9a-f]{10})"', page)
    assert css
    response = client.get(css.group(1))
    assert response.status_code == 200 and "max-age=31536000" in response.headers["Cache-Control"]
    assert "max-age" not in client.get("/assets/catalogue.css").headers.get("Cache-Control", "")


def test_snapshots_are_listed_and_shown_as_frozen(
    client: FlaskClient, app: Any, monkeypatch: Any
) -> None:
    from click.testing import CliRunner

    from catalogue.cli import main

    published(client, "publications", publication_date="2020-03-01", doi=None)
    published(client, publication_date="2020-06-01")
    for name, value in app.extensions["catalogue"].settings.to_environ().items():
        monkeypatch.setenv(name, value)
    taken = CliRunner().invoke(main, ["report", "snapshot", "--year", "2020", "--by", "lotte"])
    assert taken.exit_code == 0, taken.output

    listing = text_of(client.get("/snapshots", headers=PAGE))
    snapshot_id = client.get("/api/reports/snapshots").json[0]["id"]
    assert f"/snapshots/{snapshot_id}" in listing
    page = words_of(text_of(client.get(f"/snapshots/{snapshot_id}", headers=PAGE)))
    assert "Snapshot of 2020" in page and "Taken by lotte." in page
    assert "of 1 dataset" in page and "of 1 publication" in page and "Neuroscience" in page
    assert client.get("/snapshots/999999", headers=PAGE).status_code == 404


def test_the_owner_adds_and_removes_a_co_editor_on_the_record_page(client: FlaskClient) -> None:
    as_user("bram")  # Bram has logged in once, so he can be named
    draft = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    owner = {**PAGE, **as_user("anna")}

    unknown = client.post(
        f"/records/{draft['id']}/editors", data={"who": "nobody@example.org"}, headers=owner
    )
    assert unknown.status_code == 422
    assert 'value="nobody@example.org"' in text_of(unknown)  # kept to correct
    added = client.post(
        f"/records/{draft['id']}/editors", data={"who": "bram@example.org"}, headers=owner
    )
    assert added.status_code == 303
    bram_sees = text_of(client.get(f"/records/{draft['id']}", headers={**PAGE, **as_user("bram")}))
    assert "Co-editors" in bram_sees and "Edit" in bram_sees  # he may edit now
    assert "Add a co-editor" not in bram_sees  # only the owner manages them
    page = text_of(client.get(f"/records/{draft['id']}", headers=owner))
    user_id = re.search(r"/editors/(\d+)/remove", page)
    assert user_id
    removed = client.post(
        f"/records/{draft['id']}/editors/{user_id.group(1)}/remove", headers=owner
    )
    assert removed.status_code == 303
    assert (
        client.get(f"/records/{draft['id']}", headers={**PAGE, **as_user("bram")}).status_code
        == 404
    )


def test_administrators_maintain_themes_on_a_page(client: FlaskClient) -> None:
    admin = {**PAGE, **as_user("ada", "administrator")}
    page = text_of(client.get("/admin/vocabularies/themes", headers=admin))
    assert "genetics" in page and 'name="group"' in page

    renamed = client.post(
        "/admin/vocabularies/themes",
        data={"term_id": "genetics", "label": "Genetics & Genomics", "group": "innovation-theme"},
        headers=admin,
    )
    assert renamed.status_code == 303
    assert client.get("/api/vocabularies/themes/genetics").json["label"] == "Genetics & Genomics"
    blank = client.post(
        "/admin/vocabularies/themes",
        data={"term_id": "new-theme", "label": " ", "group": "fundamental"},
        headers=admin,
    )
    assert blank.status_code == 422 and 'value="new-theme"' in text_of(blank)
    refused = client.get("/admin/vocabularies/themes", headers={**PAGE, **as_user("bram")})
    assert refused.status_code == 403
