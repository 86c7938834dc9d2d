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
