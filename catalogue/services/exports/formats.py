"""Every format a record can be had in, by name (``?format=``) and media type (``Accept``).

The record URL negotiates among them (``catalogue.web.machine``); signposting announces them
(``describedby``); OAI-PMH serves some of them as metadata formats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from catalogue.services import citations
from catalogue.services.exports import Site, datacite, dcat, schemaorg

Render = Callable[[dict[str, Any], Site], bytes]


@dataclass(frozen=True)
class Format:
    name: str  # the ?format= value
    media_type: str  # what is answered (and announced)
    extension: str
    title: str  # what a person reads on a link
    render: Render
    profile: str | None = None  # the profile URI the media type carries, when it has one

    @property
    def announced(self) -> str:
        """The media type with its profile, as Link headers and 406 answers name it."""
        return f'{self.media_type}; profile="{self.profile}"' if self.profile else self.media_type


def _json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2) + b"\n"


def _rdf(syntax: str) -> Render:
    def render(record: dict[str, Any], site: Site) -> bytes:
        graph = dcat.record_graph(record, site)
        written: bytes = graph.serialize(format=syntax, encoding="utf-8")
        return written

    return render


DCAT_PROFILE = "http://www.w3.org/ns/dcat#"


def _text(write: Callable[[dict[str, Any]], str]) -> Render:
    return lambda record, site: write(record).encode("utf-8")


FORMATS: dict[str, Format] = {
    item.name: item
    for item in (
        Format(
            "schema.org",
            "application/ld+json",
            "jsonld",
            "schema.org JSON-LD",
            lambda record, site: _json(schemaorg.to_jsonld(record, site)),
            profile="https://schema.org/",
        ),
        Format(
            "datacite-xml",
            "application/vnd.datacite.datacite+xml",
            "xml",
            "DataCite XML",
            datacite.to_xml,
        ),
        Format(
            "datacite-json",
            "application/vnd.datacite.datacite+json",
            "json",
            "DataCite JSON",
            lambda record, site: _json(datacite.to_json(record, site)),
        ),
        Format("dcat-turtle", "text/turtle", "ttl", "DCAT-AP Turtle", _rdf("turtle")),
        Format(
            "dcat-jsonld",
            "application/ld+json",
            "jsonld",
            "DCAT-AP JSON-LD",
            _rdf("json-ld"),
            profile=DCAT_PROFILE,
        ),
        Format("dcat-rdfxml", "application/rdf+xml", "rdf", "DCAT-AP RDF/XML", _rdf("xml")),
        Format("bibtex", "application/x-bibtex", "bib", "BibTeX", _text(citations.bibtex)),
        Format("ris", "application/x-research-info-systems", "ris", "RIS", _text(citations.ris)),
        Format(
            "csl-json",
            "application/vnd.citationstyles.csl+json",
            "json",
            "CSL-JSON",
            _text(citations.csl_json),
        ),
        Format(
            "json",
            "application/json",
            "json",
            "the catalogue's JSON",
            lambda record, site: _json(record),
        ),
    )
}
