"""The official schemas and shapes the exports must pass, used as published.

They live beside the project (``../shared/standards/``, see its README), or where
``CATALOGUE_STANDARDS`` says. Missing standards fail the tests that need them: an export
that was never validated must not pass for one that was.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def standards() -> Path:
    where = Path(os.environ.get("CATALOGUE_STANDARDS") or ROOT.parent / "shared" / "standards")
    if not (where / "README.md").exists():
        pytest.fail(
            f"The official schemas are not at {where}: put ../shared/standards beside the "
            "project, or set CATALOGUE_STANDARDS."
        )
    return where


@cache
def datacite_schema() -> Any:
    import xmlschema

    return xmlschema.XMLSchema(str(standards() / "datacite-4.6" / "metadata.xsd"))


@cache
def oai_schema() -> Any:
    import xmlschema

    return xmlschema.XMLSchema(str(standards() / "oai-pmh-2.0" / "OAI-PMH.xsd"))


@cache
def dcat_ap_shapes() -> Any:
    """DCAT-AP 3.0.1: ``shapes.ttl`` and ``range.ttl`` in one shapes graph (as the README says)."""
    from rdflib import Graph

    graph = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        graph.parse(standards() / "dcat-ap-3.0.1" / name)
    return graph


@cache
def health_ri_shapes() -> Any:
    from rdflib import Graph

    return Graph().parse(standards() / "health-ri-core-2.0.2" / "HRI-Datamodel-shapes.ttl")


def violations(data: Any, shapes: Any) -> list[tuple[str, str, str, str]]:
    """pyshacl's violations as (focus node, path, constraint, source shape), sorted."""
    from pyshacl import validate
    from rdflib.namespace import SH

    _conforms, report, _text = validate(data, shacl_graph=shapes, inference="none")
    found = []
    for result in report.subjects(SH.resultSeverity, SH.Violation):
        found.append(
            (
                str(report.value(result, SH.focusNode)),
                str(report.value(result, SH.resultPath)),
                str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                str(report.value(result, SH.sourceShape)),
            )
        )
    return sorted(found)
