"""Identifier syntax checks and normalisation, offline."""

from __future__ import annotations

import idutils
import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue.cli.demo import orcid_with_check_digit
from schemas.identifiers import (
    detect_scheme,
    normalise_doi,
    normalise_issn,
    normalise_orcid,
    normalise_ror,
)


@pytest.mark.parametrize(
    "spelling",
    [
        "10.1234/ABC.def",
        "https://doi.org/10.1234/abc.DEF",
        "http://dx.doi.org/10.1234/abc.def",
        "doi:10.1234/Abc.Def",
        "  10.1234/abc.def  ",
    ],
)
def test_every_spelling_of_a_doi_is_one_doi(spelling: str) -> None:
    assert normalise_doi(spelling) == "10.1234/abc.def"


@pytest.mark.parametrize("bad", ["", "abc", "11.1234/x", "https://example.org/10.1234/x"])
def test_non_dois_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a DOI"):
        normalise_doi(bad)


def test_orcid_check_digit() -> None:
    assert normalise_orcid("https://orcid.org/0000-0002-1825-0097") == "0000-0002-1825-0097"
    assert normalise_orcid("0000-0002-1694-233x") == "0000-0002-1694-233X"
    with pytest.raises(ValueError, match="check digit"):
        normalise_orcid("0000-0002-1825-0098")


@given(st.text(alphabet="0123456789", min_size=7, max_size=7))
def test_demo_orcids_always_carry_a_valid_check_digit(digits: str) -> None:
    # The demo draws from the 0000-0002-... block ORCID assigns.
    orcid = orcid_with_check_digit("00000002" + digits)
    assert idutils.is_orcid(orcid)
    assert normalise_orcid(orcid) == orcid


@given(st.sampled_from(["10.1234/abc", "10.5555/demo.2020.000001", "10.1212/wnl.0001"]))
def test_doi_normalisation_is_idempotent(doi: str) -> None:
    assert normalise_doi(normalise_doi(doi)) == normalise_doi(doi)


def test_ror_checksum() -> None:
    # Leiden University Medical Center and Leiden University.
    assert normalise_ror("05xvt9f17") == "https://ror.org/05xvt9f17"
    assert normalise_ror("https://ror.org/027bh9e22") == "https://ror.org/027bh9e22"
    for bad in ("05xvt9f18", "05xvt9f1", "15xvt9f17", "https://ror.org/05xvt9fi7"):
        with pytest.raises(ValueError, match="ROR"):
            normalise_ror(bad)


def test_issn_check_digit_and_form() -> None:
    assert normalise_issn("0028-3878") == "0028-3878"
    assert normalise_issn("2050084x") == "2050-084X"
    with pytest.raises(ValueError, match="check digit"):
        normalise_issn("0028-3879")


@pytest.mark.parametrize(
    ("identifier", "scheme"),
    [
        ("10.1234/abc", "doi"),
        ("https://doi.org/10.1234/abc", "doi"),
        ("PMID:12345678", None),
        ("arXiv:2101.00001", "arxiv"),
        ("https://example.org/data", "url"),
        ("nonsense", None),
    ],
)
def test_scheme_detection_prefers_dois(identifier: str, scheme: str | None) -> None:
    detected = detect_scheme(identifier)
    if scheme is None and identifier.startswith("PMID"):
        assert detected in {None, "pmid"}
    else:
        assert detected == scheme
