"""The FAIR assessment, from records in their wire form (no database, no network)."""

from __future__ import annotations

from typing import Any

import pytest

from catalogue.domain.fair import RDA_PRIORITY, TESTS, Assessment
from catalogue.domain.fair import assess as assess_record
from catalogue.services.exports.evidence import evidence

COMPLETE: dict[str, Any] = {
    "id": "abc12-defgh",
    "kind": "dataset",
    "status": "published",
    "doi": "10.34894/abc123",
    "title": "Migraine diaries",
    "description": "Headache diaries of 600 adults.",
    "keywords": ["migraine"],
    "publisher": "Leiden University Medical Center",
    "publication_date": "2024-05-01",
    "resource_type": "Dataset",
    "creators": [{"name": "Jansen, Anna", "orcid": "0000-0002-1825-0097", "affiliations": []}],
    "license": "CC-BY-4.0",
    "license_url": "https://spdx.org/licenses/CC-BY-4.0.html",
    "access_right": "open",
    "themes": ["neuroscience"],
    "contact_point": {"name": "Data desk", "email": "data@example.org"},
    "applicable_legislation": ["http://data.europa.eu/eli/reg/2016/679/oj"],
    "version": "1.0",
    "related_identifiers": [
        {"identifier": "10.1212/wnl.1", "scheme": "doi", "relation_type": "IsSupplementTo"}
    ],
    "distributions": [
        {"access_url": "https://dataverse.nl/x", "format": "CSV", "byte_size": 1024},
    ],
}


def assess(record: dict[str, Any], network: dict[str, bool] | None = None) -> Assessment:
    """The assessment as the catalogue makes it: with what the record's exports contain."""
    return assess_record(record, network, evidence(record))


def test_a_complete_published_dataset_passes_every_essential_indicator() -> None:
    result = assess(COMPLETE, {"doi_resolves": True, "doi_registered": True})
    assert result.essential_passed and result.essential_gaps == []
    assert result.score() == 100.0
    assert {p: result.score(p) for p in "FAIR"} == {"F": 100.0, "A": 100.0, "I": 100.0, "R": 100.0}
    assert result.hints == []


def test_network_checks_are_not_guessed() -> None:
    result = assess(COMPLETE).as_dict()
    assert result["not_checked"] == ["FsF-F1-02D-2", "FsF-F4-01M-2"]
    assert result["essential_passed"] is True  # offline tests decide the essential indicators
    assert result["scores"]["F"] < 100.0  # ... but unchecked tests earn nothing


def test_a_bare_draft_gets_hints_that_name_the_fields() -> None:
    draft = {
        "status": "draft",
        "title": "Untitled",
        "resource_type": "Dataset",
        "access_right": "open",
    }
    result = assess(draft)
    hints = " ".join(result.hints)
    for field in (
        "creators",
        "publication_date",
        "publisher",
        "description",
        "keywords",
        "doi",
        "license",
        "distributions.access_url",
        "related_identifiers",
    ):
        assert f"{field}" in hints, field  # fmt: skip
    assert not result.essential_passed
    assert {"RDA-F1-02M", "RDA-F2-01M", "RDA-R1.1-01M"} <= set(result.essential_gaps)
    assert result.score() < 30


@pytest.mark.parametrize(
    ("change", "failing_test"),
    [
        ({"license": None}, "FsF-R1.1-01M-1"),
        ({"keywords": []}, "FsF-F2-01M-3"),
        (
            {
                "distributions": [
                    {"access_url": "gopher://old.example/x", "format": "CSV", "byte_size": 1}
                ]
            },
            "FsF-A1-03D-1",
        ),
        (
            {
                "distributions": [
                    {"access_url": "https://x.example/d", "format": "XLSX", "byte_size": 1}
                ]
            },
            "FsF-R1.3-02D-1",
        ),
        ({"creators": [{"name": "Jansen, Anna", "affiliations": []}]}, "FsF-R1.2-01M-1"),
        ({"related_identifiers": []}, "FsF-I3-01M-1"),
        ({"keywords": []}, "FsF-F2-01M-1"),
        ({"applicable_legislation": []}, "HRI-R1.3-01M-1"),
        ({"contact_point": None}, "HRI-R1.3-01M-1"),
        ({"creators": []}, "FsF-R1.3-01M-1"),
        (
            {"access_right": "restricted", "distributions": [], "contact_point": None},
            "FsF-A1-01M-3",
        ),
    ],
)
def test_each_gap_fails_its_own_test(change: dict[str, Any], failing_test: str) -> None:
    result = assess({**COMPLETE, **change}, {"doi_resolves": True, "doi_registered": True})
    gaps = {gap["test"]: gap["hint"] for gap in result.as_dict()["gaps"]}
    assert failing_test in gaps
    assert "(field" in gaps[failing_test]  # the hint names the field to fix
    assert TESTS[failing_test].points > 0


def test_restricted_data_with_hidden_links_is_not_penalised_for_the_protocol() -> None:
    restricted = {
        **COMPLETE,
        "access_right": "restricted",
        "contact_point": {"name": "Data desk", "email": "data@example.org"},
        "distributions": [{"access_url": None, "format": "CSV", "byte_size": 10}],
    }
    failed = [g["test"] for g in assess(restricted).as_dict()["gaps"]]
    assert "FsF-A1-03D-1" not in failed and "FsF-A1-01M-3" not in failed


def test_every_metric_maps_to_known_rda_indicators_and_twenty_are_essential_in_the_model() -> None:
    result = assess(COMPLETE).as_dict()
    for metric in result["metrics"]:
        # FAIRsFAIR metrics evidence RDA indicators; the catalogue's own (HRI-) evidence none.
        assert bool(metric["rda"]) == metric["id"].startswith("FsF-")
        assert all(item["id"] in RDA_PRIORITY for item in metric["rda"])
        assert metric["total"] == sum(test["points"] for test in metric["tests"])
    assert sum(1 for priority in RDA_PRIORITY.values() if priority == "essential") == 20


def test_what_the_exports_contain_is_not_assumed_without_them() -> None:
    result = assess_record(COMPLETE, {"doi_resolves": True, "doi_registered": True}).as_dict()

    judged_on_exports = {
        "FsF-F2-01M-1",
        "FsF-I1-01M-1",
        "FsF-I2-01M-1",
        "FsF-I3-01M-1",
        "FsF-R1.3-01M-1",
        "HRI-R1.3-01M-1",
    }
    assert judged_on_exports <= set(result["not_checked"])


def test_the_health_ri_hint_names_each_missing_field() -> None:
    lacking = {
        **COMPLETE,
        "keywords": [],
        "contact_point": None,
        "applicable_legislation": [],
        "creators": [{"name": "Jansen, Anna", "affiliations": []}],
    }

    gaps = {gap["test"]: gap["hint"] for gap in assess(lacking).as_dict()["gaps"]}

    assert gaps["HRI-R1.3-01M-1"] == (
        "Health-RI's core profile requires applicable_legislation and contact_point and "
        "creators.orcid and keywords "
        "(fields: applicable_legislation, contact_point, creators.orcid, keywords)."
    )
