"""For search engines and other crawlers: ``robots.txt`` and the sitemaps.

``/sitemap.xml`` is a sitemap index naming one file per 50,000 published record pages
(``/sitemaps/records-{n}.xml``, each URL with its ``lastmod``), streamed as it is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import escape

from flask import Blueprint, stream_with_context
from werkzeug.wrappers import Response

from catalogue.api.context import reader
from catalogue.domain.errors import NotFound
from catalogue.services.exports import sitemap
from catalogue.web.machine import site

blp = Blueprint("crawlers", __name__)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Pages of people's own work and of administration are no business of search engines.
_PRIVATE = ("/api/", "/auth/", "/me", "/admin", "/enrichment", "/stewardship", "/worklists")


@blp.get("/robots.txt")
def robots() -> Response:
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in _PRIVATE]
    lines += ["Disallow: /records/new", "Disallow: /records/*/edit", ""]
    lines.append(f"Sitemap: {site().url('/sitemap.xml')}")
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@blp.get("/sitemap.xml")
def index() -> Response:
    with reader() as session:
        chunks = sitemap.chunk_count(session)
    here = site()
    entries = "".join(
        f"<sitemap><loc>{escape(here.url(f'/sitemaps/records-{n}.xml'))}</loc></sitemap>"
        for n in range(1, chunks + 1)
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="{SITEMAP_NS}">{entries}</sitemapindex>\n'
    )
    return Response(body, mimetype="application/xml")


@blp.get("/sitemaps/records-<int:number>.xml")
def records(number: int) -> Response:
    with reader() as session:
        if not 1 <= number <= sitemap.chunk_count(session):
            raise NotFound(f"No sitemap {number}.")
    here = site()

    def lines() -> Iterator[str]:
        yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{SITEMAP_NS}">\n'
        with reader() as session:
            for record_id, updated in sitemap.chunk(session, number):
                location = escape(here.record_url(record_id))
                changed = updated.date().isoformat()
                yield f"<url><loc>{location}</loc><lastmod>{changed}</lastmod></url>\n"
        yield "</urlset>\n"

    return Response(stream_with_context(lines()), mimetype="application/xml")
