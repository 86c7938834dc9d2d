"""Persistent identifiers: offline syntax checks and normalisation.

Every identifier is stored in one canonical form, so the same work is never registered
twice under two spellings (``https://doi.org/10.1/ABC`` and ``doi:10.1/abc`` are one DOI).
"""

from __future__ import annotations

import re
from typing import Any

import idutils
from marshmallow import ValidationError, fields

_DOI_PREFIXES = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", re.IGNORECASE)
_ROR_ID = re.compile(r"^0[0-9a-hjkmnp-tv-z]{6}[0-9]{2}$")
_ROR_PREFIX = re.compile(r"^https?://ror\.org/", re.IGNORECASE)
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def normalise_doi(value: str) -> str:
    """``https://doi.org/10.1234/ABC`` -> ``10.1234/abc``; raises ValueError if not a DOI."""
    doi = _DOI_PREFIXES.sub("", value.strip()).lower()
    if not idutils.is_doi(doi) or not doi.startswith("10."):
        raise ValueError(f"{value!r} is not a DOI (expected a form like 10.1234/abcd)")
    return doi


def normalise_orcid(value: str) -> str:
    """An ORCID iD with a valid check digit, as ``0000-0002-1825-0097``."""
    candidate = value.strip()
    if not idutils.is_orcid(candidate):
        raise ValueError(
            f"{value!r} is not a valid ORCID iD (16 digits with a correct check digit, "
            "like 0000-0002-1825-0097)"
        )
    return str(idutils.normalize_orcid(candidate)).upper()


def _ror_checksum_ok(ror_id: str) -> bool:
    # A ROR id is '0', six Crockford base32 digits and a two-digit ISO 7064 mod 97-10 checksum.
    number = 0
    for char in ror_id[1:7]:
        number = number * 32 + _CROCKFORD.index(char)
    return 98 - ((number * 100) % 97) == int(ror_id[7:])


def normalise_ror(value: str) -> str:
    """A ROR id, as ``https://ror.org/05xvt9f17``."""
    ror_id = _ROR_PREFIX.sub("", value.strip()).lower()
    if not _ROR_ID.match(ror_id) or not _ror_checksum_ok(ror_id):
        raise ValueError(f"{value!r} is not a valid ROR id (like https://ror.org/05xvt9f17)")
    return f"https://ror.org/{ror_id}"


def normalise_issn(value: str) -> str:
    """An ISSN with a valid check digit, as ``0378-5955``."""
    candidate = value.strip().upper()
    if not idutils.is_issn(candidate):
        raise ValueError(f"{value!r} is not a valid ISSN (8 characters with a correct check digit)")
    compact = candidate.replace("-", "")
    return f"{compact[:4]}-{compact[4:]}"


# Schemes accepted for related identifiers, with their normaliser where one exists.
RELATED_SCHEMES: dict[str, Any] = {
    "doi": normalise_doi,
    "handle": None,
    "ark": None,
    "arxiv": None,
    "isbn": None,
    "issn": normalise_issn,
    "pmid": None,
    "pmcid": None,
    "purl": None,
    "urn": None,
    "url": None,
}


def normalise_related(identifier: str, scheme: str) -> str:
    identifier = identifier.strip()
    normaliser = RELATED_SCHEMES[scheme]
    if normaliser is not None:
        return str(normaliser(identifier))
    if not getattr(idutils, f"is_{scheme}")(identifier):
        raise ValueError(f"{identifier!r} is not a valid {scheme} identifier")
    return identifier


def detect_scheme(identifier: str) -> str | None:
    """The first scheme we accept that the identifier's syntax matches, DOIs first."""
    detected = idutils.detect_identifier_schemes(identifier.strip())
    for scheme in ("doi", *RELATED_SCHEMES):
        if scheme in detected:
            return scheme
    return None


class _NormalisedString(fields.String):
    """A string field that validates and normalises with a function raising ValueError."""

    normaliser: Any = None

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return str(type(self).normaliser(text))
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class DOI(_NormalisedString):
    normaliser = staticmethod(normalise_doi)


class ORCID(_NormalisedString):
    normaliser = staticmethod(normalise_orcid)


class ROR(_NormalisedString):
    normaliser = staticmethod(normalise_ror)


class ISSN(_NormalisedString):
    normaliser = staticmethod(normalise_issn)
