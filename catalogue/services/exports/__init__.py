"""The records for machines: DataCite, schema.org, DCAT-AP, signposting links.

Each export is built from a record's wire form exactly as the caller may see it (links to
data the caller may not use are already null there), so no export can show more than the
API would. The modules are pure: a record dict and the :class:`Site` in, a document out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Site:
    """Where the catalogue is and who runs it: what every export says of its source."""

    base_url: str
    name: str
    institution: str
    institution_ror: str
    contact_email: str = ""
    # The innovation themes (id, label), for the SKOS concepts the RDF exports name.
    themes: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, settings: Any, themes: Iterable[tuple[Any, Any]] = ()) -> Site:
        """The catalogue as its settings (``catalogue.config.Settings``) describe it."""
        return cls(
            base_url=settings.base_url,
            name=settings.catalogue_name,
            institution=settings.institution_name,
            institution_ror=settings.institution_ror,
            contact_email=settings.contact_email,
            themes=tuple((str(theme), str(label)) for theme, label in themes),
        )

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def record_url(self, record_id: str) -> str:
        """The landing page of a record version."""
        return self.url(f"/records/{record_id}")


def landing_or_doi(record: dict[str, object], site: Site) -> str:
    """The record's persistent address: its DOI as a URL, else its landing page."""
    doi = record.get("doi")
    return f"https://doi.org/{doi}" if doi else site.record_url(str(record["id"]))
