"""FAIR Signposting (signposting.org/FAIR), levels 1 and 2: typed links from a record's
landing page to its persistent identifier, its metadata in every format, its authors, its
licence and its data, as ``Link`` headers (RFC 8288) and as a linkset (RFC 9264).

Data links (``item``) are only those the caller may use: the wire form has the others null.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from catalogue.services.exports import Site, landing_or_doi
from catalogue.services.exports.formats import FORMATS
from catalogue.services.exports.schemaorg import schema_type

LINKSET_TYPE = "application/linkset+json"


@dataclass(frozen=True)
class Link:
    href: str
    rel: str
    type: str | None = None
    profile: str | None = None

    def header(self) -> str:
        # A URL holding characters that end a link in the header is percent-encoded.
        target = quote(self.href, safe=":/?#[]@!$&'()*+;=%~-._")
        parts = [f"<{target}>", f'rel="{self.rel}"']
        if self.type:
            parts.append(f'type="{self.type}"')
        if self.profile:
            parts.append(f'profile="{self.profile}"')
        return "; ".join(parts)


def metadata_url(record: dict[str, Any], site: Site, name: str) -> str:
    return site.record_url(record["id"]) + f"?format={name}"


def linkset_url(record: dict[str, Any], site: Site) -> str:
    return site.record_url(record["id"]) + "/linkset"


def landing_links(record: dict[str, Any], site: Site) -> list[Link]:
    """The links of the landing page (level 1 in headers, and the linkset's first entry)."""
    links = [Link(landing_or_doi(record, site), "cite-as")]
    links += [
        Link(metadata_url(record, site, item.name), "describedby", item.media_type, item.profile)
        for item in FORMATS.values()
    ]
    links += [
        Link(f"https://schema.org/{schema_type(record)}", "type"),
        Link("https://schema.org/AboutPage", "type"),
    ]
    links += [
        Link(f"https://orcid.org/{creator['orcid']}", "author")
        for creator in record.get("creators") or []
        if creator.get("orcid")
    ]
    if record.get("license_url"):
        links.append(Link(record["license_url"], "license"))
    links += [
        Link(url, "item", item.get("media_type"))
        for item in record.get("distributions") or []
        if (url := item.get("download_url") or item.get("access_url"))
    ]
    links.append(Link(linkset_url(record, site), "linkset", LINKSET_TYPE))
    return links


def link_header(record: dict[str, Any], site: Site) -> str:
    return ", ".join(link.header() for link in landing_links(record, site))


def linkset(record: dict[str, Any], site: Site) -> dict[str, Any]:
    """The RFC 9264 linkset: the landing page's links, each metadata document saying what it
    describes, and each data link saying which collection it belongs to."""
    landing = site.record_url(record["id"])
    entry: dict[str, Any] = {"anchor": landing}
    for link in landing_links(record, site):
        target: dict[str, Any] = {"href": link.href}
        if link.type:
            target["type"] = link.type
        if link.profile:
            target["profile"] = link.profile
        entry.setdefault(link.rel, []).append(target)
    described = [
        {"anchor": target["href"], "describes": [{"href": landing, "type": "text/html"}]}
        for target in entry.get("describedby", [])
    ]
    collected = [
        {"anchor": target["href"], "collection": [{"href": landing, "type": "text/html"}]}
        for target in entry.get("item", [])
    ]
    return {"linkset": [entry, *described, *collected]}
