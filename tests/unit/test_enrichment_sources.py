"""Each service's documented answer, read into the record's wire format; and the fill rules."""

from __future__ import annotations

import pytest

from catalogue.adapters.enrichment.fill import fill
from catalogue.adapters.enrichment.sources import (
    Found,
    parse_crossref,
    parse_datacite,
    parse_handle,
    parse_openalex,
    parse_unpaywall,
    spdx,
)
from tests import service_answers

DOI = "10.1234/jhr.2024.001"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0"),
        ("https://creativecommons.org/licenses/by-nc-nd/3.0/legalcode", "CC-BY-NC-ND-3.0"),
        ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0"),
        ("cc-by", "CC-BY-4.0"),  # Unpaywall/OpenAlex: no version, taken as the current 4.0
        ("cc0", "CC0-1.0"),
        ("cc-by-4.0", "CC-BY-4.0"),  # DataCite's SPDX rightsIdentifier, lower case
        ("MIT", "MIT"),
        ("implied-oa", None),
        ("https://publisher.example/tdm-license", None),
        ("", None),
        (None, None),
    ],
)
def test_licences_as_the_services_write_them_become_spdx_ids(
    given: str | None, expected: str | None
) -> None:
    assert spdx(given) == expected


def test_unpaywall_gives_open_access_evidence() -> None:
    found = parse_unpaywall(200, service_answers.unpaywall(DOI))
    assert found is not None
    assert found.fields["publisher_free_to_read"] is True
    assert found.fields["publisher_license"] == "CC-BY-4.0"
    assert found.fields["deposit"] == {
        "version": "accepted",
        "url": "https://repository.example/handle/1887/123",
        "license": "CC-BY-4.0",
    }
    assert found.fields["publication_date"] == "2024-02-15"
    assert found.fields["creators"][0] == {
        "name": "de Vries, Anna",
        "given_name": "Anna",
        "family_name": "de Vries",
        "orcid": "0000-0002-1825-0097",
        "affiliations": [],
    }


def test_unpaywall_closed_work_with_an_embargoed_repository_copy() -> None:
    answer = service_answers.unpaywall(
        DOI, publisher_oa=False, repository=False, embargoed_until="2025-08-15"
    )
    found = parse_unpaywall(200, answer)
    assert found is not None
    assert found.fields["publisher_free_to_read"] is False  # said, not unknown
    assert "publisher_license" not in found.fields
    assert found.fields["deposit"] == {
        "version": "accepted",
        "url": "https://repository.example/handle/1887/456",
        "embargo_until": "2025-08-15",
    }


def test_unpaywall_not_knowing_the_doi_says_nothing() -> None:
    assert parse_unpaywall(404, {"HTTP_status_code": 404, "error": True}) is None


def test_crossref_gives_the_publishers_metadata() -> None:
    found = parse_crossref(200, service_answers.crossref(DOI))
    assert found is not None
    fields = found.fields
    assert fields["title"] == "Migraine in a multi-centre European cohort"
    assert fields["journal"] == {
        "title": "Journal of Headache Research",
        "issn": "1234-5679",
        "eissn": "2049-3630",
        "publisher": "Example Academic Press",
    }
    assert fields["publication_date"] == "2024-02-15"
    assert fields["publisher_license"] == "CC-BY-4.0"  # the version of record's, not TDM
    assert fields["creators"][0]["orcid"] == "0000-0002-1825-0097"
    assert fields["creators"][0]["affiliations"] == [{"name": "Leiden University Medical Center"}]
    assert fields["funding"] == [
        {
            "funder_name": "Nederlandse Organisatie voor Wetenschappelijk Onderzoek",
            "funder_identifier": "10.13039/501100003246",
            "award_number": "016.Vidi.188.001",
        }
    ]
    assert fields["description"] == "We followed 2,000 people with migraine for five years."
    assert "publisher_free_to_read" not in fields  # Crossref does not know who can read it


def test_openalex_gives_locations_authors_and_keywords() -> None:
    found = parse_openalex(200, service_answers.openalex(DOI))
    assert found is not None
    assert found.fields["publisher_free_to_read"] is True
    assert found.fields["deposit"]["version"] == "accepted"
    # OpenAlex has display names only: kept as written, not split into guessed parts.
    assert found.fields["creators"] == [
        {
            "name": "Anna de Vries",
            "orcid": "0000-0002-1825-0097",
            "affiliations": [
                {"name": "Leiden University Medical Center", "ror": "https://ror.org/05xvt9f17"}
            ],
        }
    ]
    assert found.fields["keywords"] == ["Migraine"]


def test_datacite_gives_dataset_metadata_and_registration() -> None:
    found = parse_datacite(200, service_answers.datacite(DOI))
    assert found is not None
    assert found.network == {"doi_registered": True}
    fields = found.fields
    assert fields["license"] == "CC-BY-4.0"
    assert fields["keywords"] == ["migraine", "cohort study"]
    assert fields["related_identifiers"] == [
        {"identifier": "10.1234/jhr.2024.001", "relation_type": "IsSupplementTo"}
    ]
    assert fields["funding"][0]["funder_name"] == "ZonMw"
    assert fields["creators"][0]["orcid"] == "0000-0002-1825-0097"
    assert fields["version"] == "1.0"


def test_datacite_registration_states() -> None:
    draft = parse_datacite(200, service_answers.datacite(DOI, state="draft"))
    assert draft is not None and draft.network == {"doi_registered": False}
    missing = parse_datacite(404, service_answers.DATACITE_NOT_FOUND)
    assert missing is not None and missing.network == {"doi_registered": False}
    assert parse_datacite(500, None) is None  # no answer is not "not registered"


def test_the_doi_proxy_says_whether_a_doi_resolves() -> None:
    yes = parse_handle(200, service_answers.handle(DOI))
    no = parse_handle(404, service_answers.handle(DOI, resolves=False))
    assert yes is not None and yes.network == {"doi_resolves": True}
    assert no is not None and no.network == {"doi_resolves": False}


def test_fill_only_what_is_empty_in_order_of_trust() -> None:
    current = {
        "title": "Our own title",
        "publisher_free_to_read": None,
        "journal": {"title": "J Headache Res"},
        "keywords": [],
    }
    first = Found("crossref", {"title": "Their title", "journal": {"title": "X", "eissn": "2"}})
    second = Found(
        "unpaywall",
        {"publisher_free_to_read": False, "keywords": ["a"], "journal": {"eissn": "3"}},
    )
    filled, given = fill(current, [first, second])
    assert filled["title"] == "Our own title"  # a person's value is never replaced
    assert filled["journal"] == {"title": "J Headache Res", "eissn": "2"}
    assert filled["publisher_free_to_read"] is False  # False is a value a source may give
    assert filled["keywords"] == ["a"]
    assert given == {
        "journal.eissn": "crossref",
        "publisher_free_to_read": "unpaywall",
        "keywords": "unpaywall",
    }
    assert current["journal"] == {"title": "J Headache Res"}  # the input is left alone


def test_fill_keeps_to_the_allowed_fields() -> None:
    filled, given = fill(
        {"title": None, "deposit": None},
        [Found("unpaywall", {"title": "T", "deposit": {"version": "accepted", "url": "u"}})],
        allowed=frozenset({"deposit"}),
    )
    assert filled["title"] is None
    assert given == {"deposit": "unpaywall"}


def test_an_openalex_work_of_a_harvest_reads_as_publication_fields() -> None:
    from catalogue.adapters.harvest.openalex import parse_work
    from catalogue.services.intake import NotAWork
    from tests.service_answers import issn, openalex_work

    work = parse_work(openalex_work(4, year=2023))  # a book chapter
    assert work.item == "W9000004"
    assert work.identifiers == {"openalex": "W9000004", "pmid": "30000004"}
    assert work.fields["doi"] == "https://doi.org/10.5555/lumc.2023.4"  # normalised on intake
    assert work.fields["resource_type"] == "BookChapter"
    assert work.fields["short_work"] is True
    assert work.fields["description"] == "We studied outcomes 4"
    assert (work.fields["journal"]["issn"], work.fields["journal"]["eissn"]) == (
        issn(1004),
        issn(2004),
    )
    conference = openalex_work(6)
    conference["primary_location"]["source"]["type"] = "conference"
    assert parse_work(conference).fields["resource_type"] == "ConferencePaper"
    for broken, reason in (
        ({"type": "article"}, "no id"),
        ({"id": "https://openalex.org/A1", "type": "article"}, "not an OpenAlex work id"),
        (openalex_work(1, type="dataset"), "'dataset'"),
    ):
        try:
            parse_work(broken)
        except NotAWork as exc:
            assert reason in str(exc)
        else:
            raise AssertionError(f"{broken!r} was taken as a work")


def test_crossref_links_a_preprint_and_its_article_as_versions() -> None:
    from catalogue.adapters.enrichment.sources import parse_crossref
    from tests.service_answers import crossref

    preprint = crossref("10.1101/2024.01.01.123")
    preprint["message"]["relation"] = {
        "is-preprint-of": [
            {"id-type": "doi", "id": "10.1234/JHR.2024.001", "asserted-by": "object"}
        ],
        "cites": [{"id-type": "doi", "id": "10.1234/other", "asserted-by": "subject"}],
    }
    found = parse_crossref(200, preprint)
    assert found is not None
    assert found.fields["related_identifiers"] == [
        {"identifier": "10.1234/jhr.2024.001", "scheme": "doi", "relation_type": "IsVersionOf"}
    ]
    article = crossref("10.1234/jhr.2024.001")
    article["message"]["relation"] = {"has-preprint": [{"id-type": "doi", "id": "10.1101/x.1"}]}
    parsed = parse_crossref(200, article)
    assert parsed is not None
    assert parsed.fields["related_identifiers"][0]["relation_type"] == "HasVersion"
