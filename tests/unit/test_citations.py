"""Citations for reference managers: each format's shape, and text that cannot break it."""

from __future__ import annotations

import json
from typing import Any

from catalogue.services import citations

RECORD: dict[str, Any] = {
    "id": "abc12-defgh",
    "kind": "publication",
    "resource_type": "JournalArticle",
    "title": "Migraine {and} sleep: 100% of $cases_ with \\ in it",
    "creators": [{"name": "Jansen, Anna Maria"}, {"name": "Leiden Cohort Group"}],
    "publication_year": 2023,
    "publication_date": "2023-02-14",
    "journal": {"title": "Neurology"},
    "doi": "10.1212/wnl.0000000000001234",
    "keywords": ["migraine", "sleep"],
    "description": "First line.\nSecond line.",
}


def test_apa_names_initials_and_the_doi() -> None:
    apa = citations.apa(RECORD)
    assert apa["authors"] == "Jansen, A. M., & Leiden Cohort Group"
    assert apa["rest"] == "Neurology. https://doi.org/10.1212/wnl.0000000000001234"


def test_bibtex_escapes_what_latex_would_read_as_commands() -> None:
    entry = citations.bibtex(RECORD)
    assert entry.startswith("@article{abc12-defgh,\n")
    assert (
        r"title = {Migraine \{and\} sleep: 100\% of \$cases\_ with \textbackslash{} in it}" in entry
    )
    assert "author = {Jansen, Anna Maria and {Leiden Cohort Group}}" in entry
    assert entry.count("{") == entry.count("}")  # every field closes where it should


def test_ris_has_one_tag_per_line_and_ends_the_record() -> None:
    text = citations.ris(RECORD)
    lines = text.split("\r\n")
    assert lines[0] == "TY  - JOUR" and "AU  - Leiden Cohort Group" in lines
    assert "AB  - First line. Second line." in lines  # a line break would start a new tag
    assert lines[-2] == "ER  - "


def test_csl_json_is_what_citation_processors_read() -> None:
    (item,) = json.loads(citations.csl_json(RECORD))
    assert item["type"] == "article-journal" and item["container-title"] == "Neurology"
    assert item["author"] == [
        {"family": "Jansen", "given": "Anna Maria"},
        {"literal": "Leiden Cohort Group"},
    ]
    assert item["issued"] == {"date-parts": [[2023, 2, 14]]}


def test_vancouver_lists_six_authors_then_et_al() -> None:
    many = {**RECORD, "creators": [{"name": f"Author{n}, Anna-Maria"} for n in range(8)]}

    text = citations.vancouver(many)

    assert text.startswith(
        "Author0 AM, Author1 AM, Author2 AM, Author3 AM, Author4 AM, Author5 AM, et al. Migraine"
    )
    assert text.endswith("Neurology. 2023. doi:10.1212/wnl.0000000000001234")


def test_vancouver_cites_a_dataset_with_its_version_and_publisher() -> None:
    dataset = {
        **RECORD,
        "kind": "dataset",
        "title": "Sleep diaries.",
        "version": "2",
        "publisher": "DataverseNL",
        "creators": [{"name": "Jansen, Anna Maria"}, {"name": "Leiden Cohort Group"}],
    }

    assert citations.vancouver(dataset) == (
        "Jansen AM, Leiden Cohort Group. Sleep diaries [dataset]. Version 2. DataverseNL; 2023."
        " doi:10.1212/wnl.0000000000001234"
    )


def test_bibtex_keeps_a_surname_holding_and_as_one_person() -> None:
    record = {**RECORD, "creators": [{"name": "Smith and Wesson, John"}, {"name": "Jansen, A"}]}

    entry = citations.bibtex(record)

    assert "author = {{Smith and Wesson}, John and Jansen, A}" in entry
