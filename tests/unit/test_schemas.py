"""Rules of the wire format that span fields, checked without a database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from marshmallow import ValidationError

from schemas.records import DatasetSchema, PublicationSchema, RelatedIdentifierSchema


def test_embargo_needs_an_end_date_and_only_then() -> None:
    with pytest.raises(ValidationError) as missing:
        DatasetSchema().load({"title": "t", "access_right": "embargoed"})
    assert "embargo_until" in missing.value.messages
    with pytest.raises(ValidationError) as stray:
        DatasetSchema().load({"title": "t", "embargo_until": "2030-01-01"})
    assert "embargo_until" in stray.value.messages
    loaded = DatasetSchema().load(
        {"title": "t", "access_right": "embargoed", "embargo_until": "2030-01-01"}
    )
    assert loaded["embargo_until"] == date(2030, 1, 1)


def test_defaults_for_what_people_rarely_say() -> None:
    loaded = DatasetSchema().load({"title": "t"})
    assert loaded["resource_type_id"] == "Dataset"
    assert loaded["access_right_id"] == "open"
    assert PublicationSchema().load({"title": "t"})["resource_type_id"] == "JournalArticle"


def test_licences_are_stored_as_spdx_spells_them() -> None:
    assert DatasetSchema().load({"title": "t", "license": "cc0-1.0"})["license_id"] == "CC0-1.0"


def test_dates_more_than_a_year_ahead_are_implausible() -> None:
    too_late = (date.today() + timedelta(days=400)).isoformat()
    with pytest.raises(ValidationError) as error:
        DatasetSchema().load({"title": "t", "publication_date": too_late})
    assert "publication_date" in error.value.messages


def test_related_identifiers_get_their_scheme_and_canonical_form() -> None:
    loaded = RelatedIdentifierSchema().load(
        {"identifier": "https://doi.org/10.1234/ABC", "relation_type": "IsSupplementTo"}
    )
    assert loaded == {
        "identifier": "10.1234/abc",
        "scheme": "doi",
        "relation_type": "IsSupplementTo",
    }
    with pytest.raises(ValidationError) as error:
        RelatedIdentifierSchema().load(
            {"identifier": "10.1234/abc", "scheme": "issn", "relation_type": "Cites"}
        )
    assert "identifier" in error.value.messages


def test_journal_issn_and_eissn_must_differ() -> None:
    with pytest.raises(ValidationError) as error:
        PublicationSchema().load(
            {"title": "t", "journal": {"title": "J", "issn": "0028-3878", "eissn": "0028-3878"}}
        )
    assert "journal" in error.value.messages


def test_control_characters_are_refused_with_their_place() -> None:
    with pytest.raises(ValidationError) as error:
        DatasetSchema().load({"title": "nul\x00byte", "keywords": ["fine", "bell\x07"]})
    assert set(error.value.messages) == {"title", "keywords"}
    assert 1 in error.value.messages["keywords"]  # type: ignore[operator]
    assert DatasetSchema().load({"title": "tab\tand\nnewline"})["title"] == "tab\tand\nnewline"
