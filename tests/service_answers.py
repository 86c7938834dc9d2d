"""Answers in the documented formats of the services the catalogue enriches from.

Shaped after each service's documentation (Unpaywall data format v2, Crossref REST API work
message, OpenAlex work object, DataCite REST API JSON:API ``dois`` resource, the DOI proxy's
Handle REST API), with the fields the catalogue reads and a few it ignores, as real answers
carry them.
"""

from __future__ import annotations

from typing import Any


def unpaywall(
    doi: str,
    publisher_oa: bool = True,
    repository: bool = True,
    embargoed_until: str | None = None,
    journal_oa: bool = False,
) -> dict[str, Any]:
    locations = []
    if publisher_oa:
        locations.append(
            {
                "url": f"https://publisher.example/article/{doi}",
                "url_for_pdf": f"https://publisher.example/article/{doi}.pdf",
                "url_for_landing_page": f"https://publisher.example/article/{doi}",
                "evidence": "open (via page says license)",
                "license": "cc-by",
                "version": "publishedVersion",
                "host_type": "publisher",
                "is_best": True,
                "pmh_id": None,
                "endpoint_id": None,
                "repository_institution": None,
                "oa_date": "2024-03-01",
                "updated": "2024-05-02T10:11:12.000000",
            }
        )
    if repository:
        locations.append(
            {
                "url": "https://repository.example/handle/1887/123.pdf",
                "url_for_pdf": "https://repository.example/handle/1887/123.pdf",
                "url_for_landing_page": "https://repository.example/handle/1887/123",
                "evidence": "oa repository (via OAI-PMH doi match)",
                "license": "cc-by",
                "version": "acceptedVersion",
                "host_type": "repository",
                "is_best": not publisher_oa,
                "pmh_id": "oai:repository.example:1887/123",
                "endpoint_id": "ab12cd34",
                "repository_institution": "Leiden University",
                "oa_date": "2024-04-01",
                "updated": "2024-05-02T10:11:12.000000",
            }
        )
    embargoed = []
    if embargoed_until:
        embargoed.append(
            {
                "url": "https://repository.example/handle/1887/456",
                "url_for_landing_page": "https://repository.example/handle/1887/456",
                "license": None,
                "version": "acceptedVersion",
                "host_type": "repository",
                "oa_date": embargoed_until,
            }
        )
    return {
        "doi": doi,
        "doi_url": f"https://doi.org/{doi}",
        "title": "Migraine in a multi-centre European cohort",
        "genre": "journal-article",
        "is_paratext": False,
        "published_date": "2024-02-15",
        "year": 2024,
        "journal_name": "Journal of Headache Research",
        "journal_issns": "1234-5679,2049-3630",
        "journal_issn_l": "1234-5679",
        "journal_is_oa": journal_oa,
        "journal_is_in_doaj": False,
        "publisher": "Example Academic Press",
        "is_oa": bool(locations),
        "oa_status": "hybrid" if publisher_oa else ("green" if repository else "closed"),
        "has_repository_copy": repository,
        "best_oa_location": locations[0] if locations else None,
        "first_oa_location": locations[0] if locations else None,
        "oa_locations": locations,
        "oa_locations_embargoed": embargoed,
        "updated": "2024-05-02T10:11:12.000000",
        "data_standard": 2,
        "z_authors": [
            {"given": "Anna", "family": "de Vries", "sequence": "first",
             "ORCID": "https://orcid.org/0000-0002-1825-0097"},
            {"given": "Bram", "family": "Jansen", "sequence": "additional"},
        ],
    }  # fmt: skip


def crossref(doi: str) -> dict[str, Any]:
    return {
        "status": "ok",
        "message-type": "work",
        "message-version": "1.0.0",
        "message": {
            "DOI": doi,
            "URL": f"https://doi.org/{doi}",
            "type": "journal-article",
            "title": ["Migraine in a multi-centre European cohort"],
            "container-title": ["Journal of Headache Research"],
            "short-container-title": ["J Headache Res"],
            "publisher": "Example Academic Press",
            "ISSN": ["1234-5679", "2049-3630"],
            "issn-type": [
                {"value": "1234-5679", "type": "print"},
                {"value": "2049-3630", "type": "electronic"},
            ],
            "published": {"date-parts": [[2024, 2, 15]]},
            "published-online": {"date-parts": [[2024, 2, 15]]},
            "published-print": {"date-parts": [[2024, 6]]},
            "issued": {"date-parts": [[2024, 2, 15]]},
            "author": [
                {"given": "Anna", "family": "de Vries", "sequence": "first",
                 "ORCID": "http://orcid.org/0000-0002-1825-0097", "authenticated-orcid": True,
                 "affiliation": [{"name": "Leiden University Medical Center"}]},
                {"given": "Bram", "family": "Jansen", "sequence": "additional",
                 "affiliation": []},
            ],
            "license": [
                {"URL": "http://creativecommons.org/licenses/by/4.0/",
                 "start": {"date-parts": [[2024, 2, 15]], "timestamp": 1707955200000},
                 "delay-in-days": 0, "content-version": "vor"},
                {"URL": "https://publisher.example/tdm-license",
                 "start": {"date-parts": [[2024, 2, 15]], "timestamp": 1707955200000},
                 "delay-in-days": 0, "content-version": "tdm"},
            ],
            "funder": [
                {"DOI": "10.13039/501100003246", "name": "Nederlandse Organisatie voor "
                 "Wetenschappelijk Onderzoek", "doi-asserted-by": "publisher",
                 "award": ["016.Vidi.188.001"]},
            ],
            "abstract": "<jats:p>We followed <jats:italic>2,000</jats:italic> people with "
                        "migraine for five years.</jats:p>",
            "reference-count": 42,
            "is-referenced-by-count": 7,
        },
    }  # fmt: skip


def openalex(doi: str) -> dict[str, Any]:
    source = {
        "id": "https://openalex.org/S123",
        "display_name": "Journal of Headache Research",
        "issn_l": "1234-5679",
        "issn": ["1234-5679", "2049-3630"],
        "is_oa": False,
        "is_in_doaj": False,
        "host_organization_name": "Example Academic Press",
        "type": "journal",
    }
    return {
        "id": "https://openalex.org/W123456789",
        "doi": f"https://doi.org/{doi}",
        "title": "Migraine in a multi-centre European cohort",
        "display_name": "Migraine in a multi-centre European cohort",
        "publication_year": 2024,
        "publication_date": "2024-02-15",
        "type": "article",
        "open_access": {
            "is_oa": True,
            "oa_status": "hybrid",
            "oa_url": f"https://publisher.example/article/{doi}",
            "any_repository_has_fulltext": True,
        },
        "primary_location": {
            "is_oa": True,
            "landing_page_url": f"https://publisher.example/article/{doi}",
            "pdf_url": None,
            "source": source,
            "license": "cc-by",
            "version": "publishedVersion",
        },
        "locations": [
            {
                "is_oa": True,
                "landing_page_url": f"https://publisher.example/article/{doi}",
                "source": source,
                "license": "cc-by",
                "version": "publishedVersion",
            },
            {
                "is_oa": True,
                "landing_page_url": "https://repository.example/handle/1887/123",
                "source": {
                    "id": "https://openalex.org/S999",
                    "display_name": "Leiden University Scholarly Publications",
                    "type": "repository",
                },
                "license": "cc-by",
                "version": "acceptedVersion",
            },
        ],
        "authorships": [
            {
                "author_position": "first",
                "author": {
                    "id": "https://openalex.org/A1",
                    "display_name": "Anna de Vries",
                    "orcid": "https://orcid.org/0000-0002-1825-0097",
                },
                "institutions": [
                    {
                        "id": "https://openalex.org/I1",
                        "display_name": "Leiden University Medical Center",
                        "ror": "https://ror.org/05xvt9f17",
                    }
                ],
                "raw_author_name": "Anna de Vries",
            }
        ],
        "keywords": [
            {"id": "https://openalex.org/keywords/migraine", "display_name": "Migraine",
             "score": 0.7},
        ],
        "apc_list": {"value": 2500, "currency": "EUR", "value_usd": 2700, "provenance": "doaj"},
        "cited_by_count": 7,
    }  # fmt: skip


def datacite(doi: str, state: str = "findable") -> dict[str, Any]:
    return {
        "data": {
            "id": doi,
            "type": "dois",
            "attributes": {
                "doi": doi,
                "prefix": doi.split("/")[0],
                "suffix": doi.split("/", 1)[1],
                "identifiers": [],
                "creators": [
                    {"name": "de Vries, Anna", "nameType": "Personal", "givenName": "Anna",
                     "familyName": "de Vries",
                     "affiliation": [{"name": "Leiden University Medical Center",
                                      "affiliationIdentifier": "https://ror.org/05xvt9f17",
                                      "affiliationIdentifierScheme": "ROR"}],
                     "nameIdentifiers": [{"nameIdentifier": "https://orcid.org/0000-0002-1825-0097",
                                          "nameIdentifierScheme": "ORCID",
                                          "schemeUri": "https://orcid.org"}]},
                ],
                "titles": [{"title": "Migraine cohort: five-year follow-up data"}],
                "publisher": "DataverseNL",
                "publicationYear": 2024,
                "subjects": [{"subject": "migraine"}, {"subject": "cohort study"}],
                "dates": [{"date": "2024-02-15", "dateType": "Issued"}],
                "language": "en",
                "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Tabular data"},
                "relatedIdentifiers": [
                    {"relatedIdentifier": "10.1234/jhr.2024.001",
                     "relatedIdentifierType": "DOI", "relationType": "IsSupplementTo"},
                ],
                "sizes": ["12 MB"],
                "formats": ["text/csv"],
                "version": "1.0",
                "rightsList": [
                    {"rights": "Creative Commons Attribution 4.0 International",
                     "rightsUri": "https://creativecommons.org/licenses/by/4.0/legalcode",
                     "rightsIdentifier": "cc-by-4.0", "rightsIdentifierScheme": "SPDX",
                     "schemeUri": "https://spdx.org/licenses/"},
                ],
                "descriptions": [
                    {"description": "Five years of headache diaries.",
                     "descriptionType": "Abstract"},
                ],
                "fundingReferences": [
                    {"funderName": "ZonMw", "funderIdentifier": "https://doi.org/10.13039/501100001826",
                     "funderIdentifierType": "Crossref Funder ID", "awardNumber": "10140261910001"},
                ],
                "url": f"https://dataverse.nl/dataset.xhtml?persistentId=doi:{doi}",
                "state": state,
                "registered": "2024-02-15T09:00:00Z",
            },
            "relationships": {"client": {"data": {"id": "tib.dataverse", "type": "clients"}}},
        }
    }  # fmt: skip


DATACITE_NOT_FOUND = {
    "errors": [{"status": "404", "title": "The resource you are looking for doesn't exist."}]
}


def handle(doi: str, resolves: bool = True) -> dict[str, Any]:
    if not resolves:
        return {"responseCode": 100, "handle": doi}
    return {
        "responseCode": 1,
        "handle": doi,
        "values": [
            {"index": 1, "type": "URL",
             "data": {"format": "string", "value": f"https://dataverse.nl/doi:{doi}"},
             "ttl": 86400, "timestamp": "2024-02-15T09:00:00Z"},
            {"index": 100, "type": "HS_ADMIN",
             "data": {"format": "admin", "value": {"handle": "0.na/10.1234", "index": 200}},
             "ttl": 86400, "timestamp": "2024-02-15T09:00:00Z"},
        ],
    }  # fmt: skip


# -- OpenAlex works listings (harvests) --------------------------------------------------------

LUMC = {
    "id": "https://openalex.org/I1",
    "display_name": "Leiden University Medical Center",
    "ror": "https://ror.org/05xvt9f17",
    "country_code": "NL",
    "type": "healthcare",
}
ELSEWHERE = {
    "id": "https://openalex.org/I2",
    "display_name": "Erasmus MC",
    "ror": "https://ror.org/018906e22",
    "country_code": "NL",
    "type": "healthcare",
}


def issn(number: int) -> str:
    """A valid ISSN (check digit included) made from ``number``."""
    digits = f"{number % 10_000_000:07d}"
    total = sum(int(d) * w for d, w in zip(digits, range(8, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return f"{digits[:4]}-{digits[4:]}{'X' if check == 10 else check}"


# Topics as OpenAlex files works: a topic within a subfield, a field and a domain.
_OPENALEX_TOPICS = [
    {
        "id": "https://openalex.org/T10307",
        "display_name": "Migraine and Headache Studies",
        "score": 0.99,
        "subfield": {"id": "https://openalex.org/subfields/2728", "display_name": "Neurology"},
        "field": {"id": "https://openalex.org/fields/28", "display_name": "Neuroscience"},
        "domain": {"id": "https://openalex.org/domains/1", "display_name": "Life Sciences"},
    },
    {
        "id": "https://openalex.org/T10158",
        "display_name": "Heart Failure Treatment and Management",
        "score": 0.97,
        "subfield": {
            "id": "https://openalex.org/subfields/2705",
            "display_name": "Cardiology and Cardiovascular Medicine",
        },
        "field": {"id": "https://openalex.org/fields/27", "display_name": "Medicine"},
        "domain": {"id": "https://openalex.org/domains/4", "display_name": "Health Sciences"},
    },
]


def openalex_work(number: int, year: int = 2024, **changes: Any) -> dict[str, Any]:
    """Work ``number`` of an institution, as OpenAlex's ``/works`` lists it: varied in type,
    journal, Open Access locations and authors, the same every time it is asked for."""
    journal_number = number % 7
    journal = {
        "id": f"https://openalex.org/S{journal_number}",
        "display_name": f"Journal of Clinical Research {journal_number}",
        "issn_l": issn(1000 + journal_number),
        "issn": [issn(1000 + journal_number), issn(2000 + journal_number)],
        "is_oa": journal_number == 0,
        "is_in_doaj": journal_number == 0,
        "host_organization_name": f"Publisher {journal_number % 3}",
        "type": "journal",
    }
    doi = f"10.5555/lumc.{year}.{number}"
    publisher_copy = {
        "is_oa": number % 3 == 0,
        "landing_page_url": f"https://publisher.example/{doi}",
        "pdf_url": None,
        "source": journal,
        "license": "cc-by" if number % 3 == 0 else None,
        "version": "publishedVersion",
    }
    locations = [publisher_copy]
    if number % 4 == 1:
        locations.append(
            {
                "is_oa": True,
                "landing_page_url": f"https://scholarlypublications.example/handle/1887/{number}",
                "pdf_url": None,
                "source": {"id": "https://openalex.org/S99", "display_name": "Leiden Repository",
                           "type": "repository"},
                "license": None,
                "version": "acceptedVersion",
            }
        )  # fmt: skip
    authors = [
        {
            "author_position": "first",
            "author": {
                "id": f"https://openalex.org/A{number}",
                "display_name": f"Author {number} Jansen",
                "orcid": "https://orcid.org/0000-0002-1825-0097" if number % 5 == 0 else None,
            },
            "institutions": [LUMC],
            "raw_author_name": f"Jansen A{number}",
            "is_corresponding": True,
        },
        {
            "author_position": "last",
            "author": {"id": "https://openalex.org/A7", "display_name": "Piet de Boer",
                       "orcid": None},
            "institutions": [ELSEWHERE, LUMC] if number % 2 else [ELSEWHERE],
            "raw_author_name": "de Boer P",
            "is_corresponding": False,
        },
    ]  # fmt: skip
    kind = ("article", "article", "article", "review", "book-chapter", "preprint")[number % 6]
    work: dict[str, Any] = {
        "id": f"https://openalex.org/W{9_000_000 + number}",
        "doi": f"https://doi.org/{doi}",
        "title": f"Outcomes study number {number} in clinical research ({year})",
        "display_name": f"Outcomes study number {number} in clinical research ({year})",
        "publication_year": year,
        "publication_date": f"{year}-{1 + number % 12:02d}-{1 + number % 28:02d}",
        "ids": {
            "openalex": f"https://openalex.org/W{9_000_000 + number}",
            "doi": f"https://doi.org/{doi}",
            "pmid": f"https://pubmed.ncbi.nlm.nih.gov/{30_000_000 + number}",
        },
        "language": "en",
        "type": kind,
        "primary_location": publisher_copy,
        "locations": locations,
        "best_oa_location": next((loc for loc in locations if loc["is_oa"]), None),
        "open_access": {"is_oa": any(loc["is_oa"] for loc in locations)},
        "authorships": authors,
        "keywords": [{"id": "https://openalex.org/keywords/outcomes", "display_name": "Outcomes",
                      "score": 0.6}],
        "topics": [_OPENALEX_TOPICS[number % 2]],
        "abstract_inverted_index": {"We": [0], "studied": [1], "outcomes": [2], str(number): [3]},
        "cited_by_count": number % 50,
        "updated_date": f"{year}-12-01T00:00:00",
    }  # fmt: skip
    work.update(changes)
    return work


def openalex_page(works: list[Any], cursor: str, per_page: int) -> dict[str, Any]:
    """A page of a cursor-paged listing: the cursor is opaque to clients (here an offset)."""
    start = 0 if cursor == "*" else int(cursor.removeprefix("offset-"))
    page = works[start : start + per_page]
    return {
        "meta": {
            "count": len(works),
            "db_response_time_ms": 12,
            "page": None,
            "per_page": per_page,
            "next_cursor": f"offset-{start + per_page}" if page else None,
            "groups_count": None,
        },
        "results": page,
        "group_by": [],
    }


# -- an institutional repository over OAI-PMH (deposits) ---------------------------------------


def deposit(
    number: int,
    doi: str | None = None,
    title: str | None = None,
    year: int = 2024,
    creator: str = "Jansen, Anna",
    version: str | None = "acceptedVersion",
    access: str = "openAccess",
    embargo_end: str | None = None,
    deleted: bool = False,
) -> dict[str, Any]:
    """A repository record as OpenAIRE's guidelines write it in Dublin Core."""
    dc: dict[str, list[str]] = {
        "title": [title or f"Deposited work {number}"],
        "creator": [creator, "Visser, Eva"],
        "date": [f"{year}-05-01"],
        "type": ["info:eu-repo/semantics/article"],
        "identifier": [f"https://scholarlypublications.example/handle/1887/{number}"],
        "rights": [f"info:eu-repo/semantics/{access}"],
    }
    if version:
        dc["type"].append(f"info:eu-repo/semantics/{version}")
    if doi:
        dc["identifier"].append(f"info:doi/{doi}")
    if embargo_end:
        dc["date"].append(f"info:eu-repo/date/embargoEnd/{embargo_end}")
    if access == "openAccess":
        dc["rights"].append("https://creativecommons.org/licenses/by/4.0/")
    return {"id": f"oai:scholarlypublications.example:1887/{number}", "deleted": deleted, "dc": dc}


def oai_list_records(records: list[dict[str, Any]], token: str | None, size: int) -> str:
    """A ListRecords answer of ``size`` records after ``token`` (an offset), with the next
    resumption token (empty on the last page, as the protocol says)."""
    from xml.sax.saxutils import escape

    start = int(token) if token else 0
    page = records[start : start + size]
    if not page:
        return (
            '<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/'
            'OAI/2.0/"><responseDate>2026-12-03T10:00:00Z</responseDate><request verb='
            '"ListRecords">https://repository.example/oai</request><error code="noRecordsMatch">'
            "No records.</error></OAI-PMH>"
        )
    parts = []
    for record in page:
        status = ' status="deleted"' if record["deleted"] else ""
        header = (
            f"<header{status}><identifier>{escape(record['id'])}</identifier>"
            "<datestamp>2026-12-01</datestamp></header>"
        )
        if record["deleted"]:
            parts.append(f"<record>{header}</record>")
            continue
        fields = "".join(
            f"<dc:{name}>{escape(value)}</dc:{name}>"
            for name, values in record["dc"].items()
            for value in values
        )
        parts.append(
            f"<record>{header}<metadata><oai_dc:dc xmlns:oai_dc="
            '"http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc='
            f'"http://purl.org/dc/elements/1.1/">{fields}</oai_dc:dc></metadata></record>'
        )
    following = start + size if start + size < len(records) else None
    token_text = str(following) if following is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/'
        '2.0/"><responseDate>2026-12-03T10:00:00Z</responseDate><request verb="ListRecords">'
        "https://repository.example/oai</request><ListRecords>"
        + "".join(parts)
        + f'<resumptionToken completeListSize="{len(records)}" cursor="{start}">'
        f"{token_text}</resumptionToken></ListRecords></OAI-PMH>"
    )


# -- ORCID's public API v3.0 (harvests by researcher) ------------------------------------------


def orcid_group(put_code: int, title: str, year: int, kind: str = "journal-article",
                doi: str | None = None) -> dict[str, Any]:  # fmt: skip
    """One work in ``/v3.0/{orcid}/works``: a group with its external ids and a summary."""
    external = []
    if doi:
        external.append({"external-id-type": "doi", "external-id-value": doi,
                         "external-id-url": {"value": f"https://doi.org/{doi}"},
                         "external-id-relationship": "self"})  # fmt: skip
    return {
        "last-modified-date": {"value": 1700000000000},
        "external-ids": {"external-id": external},
        "work-summary": [
            {
                "put-code": put_code,
                "type": kind,
                "title": {"title": {"value": title}, "subtitle": None},
                "external-ids": {"external-id": external},
                "publication-date": {"year": {"value": str(year)}, "month": {"value": "04"},
                                     "day": {"value": "09"}},
                "journal-title": {"value": "Journal of Clinical Research"},
                "source": {"source-name": {"value": "Crossref"}},
            }
        ],
    }  # fmt: skip


def orcid_work(orcid: str, put_code: int, title: str, year: int) -> dict[str, Any]:
    """``/v3.0/{orcid}/work/{put-code}``: ORCID's record of one work, with contributors."""
    return {
        "put-code": put_code,
        "type": "journal-article",
        "title": {"title": {"value": title}},
        "journal-title": {"value": "Journal of Clinical Research"},
        "publication-date": {"year": {"value": str(year)}, "month": {"value": "04"},
                             "day": {"value": "09"}},
        "contributors": {"contributor": [
            {"contributor-orcid": {"path": orcid, "host": "orcid.org"},
             "credit-name": {"value": "Anna Jansen"}},
            {"contributor-orcid": None, "credit-name": {"value": "Piet de Boer"}},
        ]},
    }  # fmt: skip
