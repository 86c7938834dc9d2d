"""FAIR assessment of a dataset from its own metadata, instantly and repeatably.

The metrics are the FAIRsFAIR metrics as F-UJI implements them (identifiers ``FsF-...``), each
mapped to the RDA FAIR Data Maturity Model indicators it evidences (``RDA-...``, with their
priority).  Every test either passes, fails with a hint naming the field to fix, or - when it
needs the network (does the DOI resolve, is it registered at DataCite) - is ``not_checked``:
such tests are never guessed; they score nothing until a background check has run, and they
do not decide whether the essential indicators pass.

Input is the record in its wire form (as the API shows it), so a draft being edited can be
assessed exactly like a stored record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Outcome = Literal["pass", "fail", "not_checked"]
PRINCIPLES = ("F", "A", "I", "R")
VERSION = "catalogue-fair-2 (FAIRsFAIR metrics v0.5 as in F-UJI; RDA FDMM v1.0)"

# The RDA indicators the metrics below evidence, with their priority in the maturity model.
RDA_PRIORITY = {
    "RDA-F1-01M": "essential",
    "RDA-F1-01D": "essential",
    "RDA-F1-02M": "essential",
    "RDA-F1-02D": "essential",
    "RDA-F2-01M": "essential",
    "RDA-F3-01M": "essential",
    "RDA-F4-01M": "essential",
    "RDA-A1-01M": "important",
    "RDA-A1-02M": "essential",
    "RDA-A1-02D": "essential",
    "RDA-A1-03M": "essential",
    "RDA-A1-03D": "essential",
    "RDA-A1-04M": "essential",
    "RDA-A1-04D": "essential",
    "RDA-A1.1-01M": "essential",
    "RDA-A1.1-01D": "important",
    "RDA-A2-01M": "essential",
    "RDA-I1-01M": "important",
    "RDA-I1-02M": "important",
    "RDA-I2-01M": "important",
    "RDA-I3-01M": "important",
    "RDA-I3-03M": "important",
    "RDA-R1-01M": "essential",
    "RDA-R1.1-01M": "essential",
    "RDA-R1.1-02M": "important",
    "RDA-R1.2-01M": "important",
    "RDA-R1.3-01M": "essential",
    "RDA-R1.3-02M": "essential",
    "RDA-R1.3-01D": "essential",
    "RDA-R1.3-02D": "important",
}

# Formats suited to reuse and long-term preservation (open, documented, widely read).
OPEN_FORMATS = frozenset(
    {
        "CSV", "TSV", "TXT", "JSON", "JSONLD", "XML", "NETCDF", "NC", "HDF5", "H5", "PARQUET",
        "TIFF", "TIF", "PNG", "JPEG2000", "JP2", "PDF", "PDF/A", "DICOM", "NIFTI", "NII",
        "FASTA", "FASTQ", "BAM", "CRAM", "VCF", "RDF", "TTL", "ODS", "ODT", "SQLITE", "ZIP",
    }
)  # fmt: skip
OPEN_MEDIA_TYPES = frozenset(
    {
        "text/csv", "text/tab-separated-values", "text/plain", "application/json",
        "application/ld+json", "application/xml", "text/xml", "application/x-netcdf",
        "application/x-hdf5", "application/vnd.apache.parquet", "image/tiff", "image/png",
        "application/pdf", "application/dicom", "text/turtle", "application/zip",
    }
)  # fmt: skip
DATA_PROTOCOLS = ("https://", "http://", "ftp://", "sftp://")


@dataclass(frozen=True)
class TestResult:
    id: str
    name: str
    points: float
    earned: float
    maturity: int
    outcome: Outcome
    hint: str | None = None


@dataclass(frozen=True)
class MetricResult:
    id: str
    principle: str
    name: str
    rda: tuple[str, ...]
    tests: tuple[TestResult, ...]

    @property
    def total(self) -> float:
        return sum(test.points for test in self.tests)

    @property
    def earned(self) -> float:
        return sum(test.earned for test in self.tests)

    @property
    def maturity(self) -> int:
        """0 incomplete, 1 initial, 2 moderate, 3 advanced: the best level a passed test shows."""
        return max((t.maturity for t in self.tests if t.outcome == "pass"), default=0)

    @property
    def passed_offline(self) -> bool:
        """Every test that can be decided from the record passed."""
        return all(test.outcome != "fail" for test in self.tests)


@dataclass(frozen=True)
class Assessment:
    metrics: tuple[MetricResult, ...]
    version: str = VERSION

    def score(self, principle: str | None = None) -> float:
        """Earned as a percentage of the total, for one principle or overall."""
        chosen = [m for m in self.metrics if principle is None or m.principle == principle]
        total = sum(m.total for m in chosen)
        return round(100 * sum(m.earned for m in chosen) / total, 1) if total else 0.0

    @property
    def essential_passed(self) -> bool:
        return not self.essential_gaps

    @property
    def essential_gaps(self) -> list[str]:
        """The essential RDA indicators not met (from the metrics that failed offline)."""
        return sorted(
            {
                indicator
                for metric in self.metrics
                if not metric.passed_offline
                for indicator in metric.rda
                if RDA_PRIORITY[indicator] == "essential"
            }
        )

    @property
    def hints(self) -> list[str]:
        return [t.hint for m in self.metrics for t in m.tests if t.outcome == "fail" and t.hint]

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "score": self.score(),
            "scores": {p: self.score(p) for p in PRINCIPLES},
            "maturity": {p: _principle_maturity(self, p) for p in PRINCIPLES},
            "essential_passed": self.essential_passed,
            "essential_gaps": self.essential_gaps,
            "gaps": [
                {"metric": m.id, "test": t.id, "hint": t.hint}
                for m in self.metrics
                for t in m.tests
                if t.outcome == "fail"
            ],
            "not_checked": [
                t.id for m in self.metrics for t in m.tests if t.outcome == "not_checked"
            ],
            "metrics": [
                {
                    "id": m.id,
                    "principle": m.principle,
                    "name": m.name,
                    "rda": [{"id": i, "priority": RDA_PRIORITY[i]} for i in m.rda],
                    "earned": m.earned,
                    "total": m.total,
                    "maturity": m.maturity,
                    "tests": [
                        {
                            "id": t.id,
                            "name": t.name,
                            "points": t.points,
                            "earned": t.earned,
                            "outcome": t.outcome,
                            "hint": t.hint,
                        }
                        for t in m.tests
                    ],
                }
                for m in self.metrics
            ],
        }


def _principle_maturity(assessment: Assessment, principle: str) -> int:
    levels = [m.maturity for m in assessment.metrics if m.principle == principle]
    return round(sum(levels) / len(levels)) if levels else 0


# -- the tests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Test:
    id: str
    name: str
    points: float
    maturity: int
    hint: str


TESTS = {
    test.id: test
    for test in (
        Test(
            "FsF-F1-01D-1",
            "The data has a globally unique, resolvable identifier (DOI or landing page)",
            1, 3,
            "Publish the record (its landing page identifies it) or add a DOI (field: doi).",
        ),
        Test(
            "FsF-F1-02D-1", "The identifier follows a persistent identifier syntax (DOI)",
            0.5, 1, "Register a DOI for the dataset (field: doi).",
        ),
        Test(
            "FsF-F1-02D-2", "The persistent identifier resolves",
            0.5, 3, "Register a DOI for the dataset (field: doi).",
        ),
        Test(
            "FsF-F2-01M-1",
            "The core metadata is machine-readable: the page's schema.org JSON-LD carries it",
            0.5, 3, "Add {missing} so search engines read it (fields: {fields}).",
        ),
        Test(
            "FsF-F2-01M-2", "Core citation metadata: creators, title, publication date, publisher",
            1, 2, "Add {missing} (fields: {fields}).",
        ),
        Test(
            "FsF-F2-01M-3", "Core descriptive metadata: description and keywords",
            1, 3, "Add {missing} so people can find the data (fields: {fields}).",
        ),
        Test(
            "FsF-F3-01M-1", "The metadata describes the data content (format, type or size)",
            0.5, 1,
            "Give each distribution a format, media type or size "
            "(fields: distributions.format, distributions.media_type, distributions.byte_size).",
        ),
        Test(
            "FsF-F3-01M-2", "The metadata says where the data is (a URL or PID of the data)",
            0.5, 3,
            "Link the data: add a distribution with an access or download URL "
            "(field: distributions.access_url).",
        ),
        Test(
            "FsF-F4-01M-1", "The metadata is published in a searchable, harvestable catalogue",
            1, 3, "Publish the record so search engines and harvesters can find it.",
        ),
        Test(
            "FsF-F4-01M-2", "The metadata is registered in a research data registry (DataCite)",
            1, 2, "Register a DOI at DataCite (field: doi).",
        ),
        Test(
            "FsF-A1-01M-2", "The access level is machine-readable (a COAR access right)",
            0.5, 3, "Choose an access right (field: access_right).",
        ),
        Test(
            "FsF-A1-01M-3", "Access conditions are given: whom to ask for data that is not open",
            0.5, 2, "Add a contact point so people know whom to ask (field: contact_point).",
        ),
        Test(
            "FsF-A1-02M-1", "The metadata is served over a standard protocol (HTTPS landing page)",
            1, 3, "Publish the record: its landing page serves the metadata over HTTPS.",
        ),
        Test(
            "FsF-A1-03D-1", "The data is reachable through a standard protocol (HTTP(S), FTP)",
            1, 3, "Link the data with an https:// URL (field: distributions.access_url).",
        ),
        Test(
            "FsF-A2-01M-1", "A PID system keeps the metadata even if the data goes (a DOI)",
            1, 3,
            "Register a DOI: DataCite keeps the metadata even if the data is gone (field: doi).",
        ),
        Test(
            "FsF-I1-01M-1",
            "The metadata is in a formal knowledge representation (RDF: DCAT-AP as Turtle, "
            "JSON-LD, RDF/XML)",
            1, 3, "Save the record: its DCAT-AP export describes it (field: title).",
        ),
        Test(
            "FsF-I2-01M-1",
            "The exported metadata links terms of registered vocabularies (SPDX, ORCID, ROR, "
            "IANA media types, EU file types, ELI)",
            1, 2,
            "Add an SPDX licence, ORCID iDs or media types "
            "(fields: license, creators.orcid, distributions.media_type).",
        ),
        Test(
            "FsF-I3-01M-1", "The metadata links related entities with a qualified relation",
            1, 3,
            "Link the publication or datasets this data belongs to, e.g. IsSupplementTo a DOI "
            "(field: related_identifiers).",
        ),
        Test(
            "FsF-R1-01MD-1", "The resource type is given",
            0.5, 1, "Choose a resource type (field: resource_type).",
        ),
        Test(
            "FsF-R1-01MD-2", "Each file's format and size are given",
            0.5, 3,
            "Give each distribution a format and a size in bytes "
            "(fields: distributions.format, distributions.byte_size).",
        ),
        Test(
            "FsF-R1.1-01M-1", "A licence is given as a recognised (SPDX) licence",
            1, 3, "Add an SPDX licence such as CC-BY-4.0 or CC0-1.0 (field: license).",
        ),
        Test(
            "FsF-R1.2-01M-1", "Who made the data: creators with an ORCID iD or an affiliation",
            0.5, 2, "Give every creator an ORCID iD or an affiliation (field: creators).",
        ),
        Test(
            "FsF-R1.2-01M-2", "How and when: dates, version, contributors or funding",
            0.5, 3,
            "Say how the data came about: dates (e.g. Collected), a version, contributors or "
            "funding (fields: dates, version, contributors, funding).",
        ),
        Test(
            "FsF-R1.3-01M-1", "The DataCite export has the schema's mandatory properties",
            1, 3, "DataCite requires {missing} (fields: {fields}).",
        ),
        Test(
            "HRI-R1.3-01M-1",
            "The DCAT-AP export meets the Health-RI core profile's mandatory properties",
            0.5, 3, "Health-RI's core profile requires {missing} (fields: {fields}).",
        ),
        Test(
            "FsF-R1.3-02D-1", "The data is offered in an open, widely used file format",
            1, 3,
            "Offer the data (also) in an open format such as CSV, JSON or NetCDF "
            "(field: distributions.format).",
        ),
    )
}  # fmt: skip

# What a check says of a test: passed (True), failed (False, or the missing fields' names),
# or not checked yet (None).
Verdict = bool | list[str] | None
# A check reads the record, the network checks and what its exports contain (the facts of
# ``catalogue.services.exports.evidence``; empty when not computed: those tests are then
# not checked, never assumed).
Check = Callable[[Mapping[str, Any], Mapping[str, bool], Mapping[str, Any]], dict[str, Verdict]]


def _from_exports(exported: Mapping[str, Any], key: str) -> Verdict:
    """A test judged on the exports: the fields they lack, or not checked without them."""
    if key not in exported:
        return None
    return list(exported[key])


def _result(test_id: str, verdict: Verdict) -> TestResult:
    test = TESTS[test_id]
    if verdict is None:
        return TestResult(test.id, test.name, test.points, 0.0, test.maturity, "not_checked")
    missing = verdict if isinstance(verdict, list) else []
    if verdict is True or (isinstance(verdict, list) and not verdict):
        return TestResult(test.id, test.name, test.points, test.points, test.maturity, "pass")
    hint = test.hint.format(missing=" and ".join(missing), fields=", ".join(missing))
    return TestResult(test.id, test.name, test.points, 0.0, test.maturity, "fail", hint)


def _missing(record: Mapping[str, Any], *names: str) -> list[str]:
    return [name for name in names if not record.get(name)]


def _distributions(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(record.get("distributions") or [])


def _open_format(item: Mapping[str, Any]) -> bool:
    fmt = (item.get("format") or "").strip().upper().lstrip(".")
    media = (item.get("media_type") or "").strip().lower()
    return fmt in OPEN_FORMATS or media in OPEN_MEDIA_TYPES


def _findable(
    r: Mapping[str, Any], net: Mapping[str, bool], exported: Mapping[str, Any]
) -> dict[str, Verdict]:
    doi, published = bool(r.get("doi")), r.get("status") == "published"
    items = _distributions(r)
    return {
        "FsF-F2-01M-1": _from_exports(exported, "schema_org_missing"),
        "FsF-F1-01D-1": doi or published,
        "FsF-F1-02D-1": doi,
        "FsF-F1-02D-2": net.get("doi_resolves") if doi else False,
        "FsF-F2-01M-2": _missing(r, "creators", "title", "publication_date", "publisher"),
        "FsF-F2-01M-3": _missing(r, "description", "keywords"),
        "FsF-F3-01M-1": bool(items)
        and all(i.get("format") or i.get("media_type") or i.get("byte_size") for i in items),
        "FsF-F3-01M-2": bool(items)
        and all(i.get("access_url") or i.get("download_url") for i in items),
        "FsF-F4-01M-1": published,
        "FsF-F4-01M-2": net.get("doi_registered") if doi else False,
    }


def _accessible(
    r: Mapping[str, Any], net: Mapping[str, bool], exported: Mapping[str, Any]
) -> dict[str, Verdict]:
    access = r.get("access_right")
    links = [i.get("download_url") or i.get("access_url") or "" for i in _distributions(r)]
    # Links to restricted data are hidden from those without access: not a gap of the record.
    hidden = access in {"restricted", "metadata-only"} and not any(links)
    return {
        "FsF-A1-01M-2": bool(access),
        "FsF-A1-01M-3": access == "open" or bool(r.get("contact_point")),
        "FsF-A1-02M-1": r.get("status") == "published",
        "FsF-A1-03D-1": hidden
        or (bool(links) and all(link.lower().startswith(DATA_PROTOCOLS) for link in links)),
        "FsF-A2-01M-1": bool(r.get("doi")),
    }


def _interoperable(
    r: Mapping[str, Any], net: Mapping[str, bool], exported: Mapping[str, Any]
) -> dict[str, Verdict]:
    if not exported:
        return {"FsF-I1-01M-1": None, "FsF-I2-01M-1": None, "FsF-I3-01M-1": None}
    return {
        "FsF-I1-01M-1": exported["rdf_statements"] > 0,
        "FsF-I2-01M-1": bool(exported["vocabularies"]),
        "FsF-I3-01M-1": exported["relations"] > 0,
    }


def _reusable(
    r: Mapping[str, Any], net: Mapping[str, bool], exported: Mapping[str, Any]
) -> dict[str, Verdict]:
    items = _distributions(r)
    creators = r.get("creators") or []
    return {
        "FsF-R1-01MD-1": bool(r.get("resource_type")),
        "FsF-R1-01MD-2": bool(items)
        and all(
            (i.get("format") or i.get("media_type")) and i.get("byte_size") is not None
            for i in items
        ),
        "FsF-R1.1-01M-1": bool(r.get("license")),
        "FsF-R1.2-01M-1": bool(creators)
        and all(c.get("orcid") or c.get("affiliations") for c in creators),
        "FsF-R1.2-01M-2": bool(
            r.get("dates") or r.get("version") or r.get("contributors") or r.get("funding")
        ),
        # Judged on the DataCite and DCAT-AP exports as harvesters receive them.
        "FsF-R1.3-01M-1": _from_exports(exported, "datacite_missing"),
        "HRI-R1.3-01M-1": _from_exports(exported, "health_ri_missing"),
        "FsF-R1.3-02D-1": bool(items) and any(_open_format(i) for i in items),
    }


CHECKS: tuple[Check, ...] = (_findable, _accessible, _interoperable, _reusable)

METRICS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("FsF-F1-01D", "F", "Data has a globally unique identifier", ("RDA-F1-01M", "RDA-F1-01D")),
    ("FsF-F1-02D", "F", "Data is assigned a persistent identifier", ("RDA-F1-02M", "RDA-F1-02D")),
    ("FsF-F2-01M", "F", "Metadata includes descriptive core elements", ("RDA-F2-01M",)),
    ("FsF-F3-01M", "F", "Metadata includes the identifier of the data", ("RDA-F3-01M",)),
    ("FsF-F4-01M", "F", "Metadata is searchable and retrievable", ("RDA-F4-01M",)),
    ("FsF-A1-01M", "A", "Metadata contains access level and conditions", ("RDA-A1-01M",)),
    ("FsF-A1-02M", "A", "Metadata is accessible by a standard protocol",
     ("RDA-A1-02M", "RDA-A1-03M", "RDA-A1-04M", "RDA-A1.1-01M")),
    ("FsF-A1-03D", "A", "Data is accessible by a standard protocol",
     ("RDA-A1-02D", "RDA-A1-03D", "RDA-A1-04D", "RDA-A1.1-01D")),
    ("FsF-A2-01M", "A", "Metadata remains available without the data", ("RDA-A2-01M",)),
    ("FsF-I1-01M", "I", "Metadata is represented using a formal knowledge representation language",
     ("RDA-I1-01M", "RDA-I1-02M")),
    ("FsF-I2-01M", "I", "Metadata uses semantic resources", ("RDA-I2-01M",)),
    ("FsF-I3-01M", "I", "Metadata links related entities", ("RDA-I3-01M", "RDA-I3-03M")),
    ("FsF-R1-01MD", "R", "Metadata specifies the content of the data", ("RDA-R1-01M",)),
    ("FsF-R1.1-01M", "R", "Metadata includes licence information",
     ("RDA-R1.1-01M", "RDA-R1.1-02M")),
    ("FsF-R1.2-01M", "R", "Metadata includes provenance information", ("RDA-R1.2-01M",)),
    ("FsF-R1.3-01M", "R", "Metadata follows a community standard",
     ("RDA-R1.3-01M", "RDA-R1.3-02M")),
    ("FsF-R1.3-02D", "R", "Data is in a recommended file format",
     ("RDA-R1.3-01D", "RDA-R1.3-02D")),
    # The catalogue's own: the national health-data catalogue's profile. It earns points but
    # decides no RDA indicator (DataCite already meets "a community standard").
    ("HRI-R1.3-01M", "R", "Metadata meets the Health-RI core profile (DCAT-AP)", ()),
)  # fmt: skip


def assess(
    record: Mapping[str, Any],
    network: Mapping[str, bool] | None = None,
    exported: Mapping[str, Any] | None = None,
) -> Assessment:
    """Assess a dataset in its wire form.  ``network`` holds the results of the optional
    background checks (``doi_resolves``, ``doi_registered``); absent ones are not checked.
    ``exported`` holds what the record's exports contain (without it, the tests judged on
    them are not checked)."""
    checks = network or {}
    verdicts: dict[str, Verdict] = {}
    for check in CHECKS:
        verdicts.update(check(record, checks, exported or {}))
    return Assessment(
        metrics=tuple(
            MetricResult(
                id_,
                principle,
                name,
                rda,
                tuple(
                    _result(test_id, verdict)
                    for test_id, verdict in verdicts.items()
                    if test_id.rsplit("-", 1)[0] == id_
                ),
            )
            for id_, principle, name, rda in METRICS
        )
    )
