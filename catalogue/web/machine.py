"""The record URL for machines: content negotiation, signposting and the linkset.

``GET /records/{id}`` answers a page to browsers and, by ``Accept`` (or ``?format=`` for
people following a link), the record in any format of
:mod:`catalogue.services.exports.formats`; ``406`` lists what is offered when nothing fits.
Every answer carries the FAIR Signposting ``Link`` header and ``Vary: Accept``.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, current_app, request
from werkzeug.wrappers import Response

from catalogue.api.context import reader
from catalogue.api.identity import current_identity
from catalogue.api.records import as_the_api_shows
from catalogue.domain.errors import NotFound
from catalogue.services.exports import Site
from catalogue.services.exports.formats import FORMATS, Format
from catalogue.services.exports.signposting import LINKSET_TYPE, link_header, linkset
from catalogue.services.records import read_any

blp = Blueprint("machine", __name__)

HTML = "text/html"


class NotAcceptable(Exception):
    """No offered format fits the request's ``Accept``."""


def site() -> Site:
    settings = current_app.extensions["catalogue"].settings
    return Site(
        base_url=settings.base_url,
        name=settings.catalogue_name,
        institution=settings.institution_name,
        institution_ror=settings.institution_ror,
        contact_email=settings.contact_email,
    )


def offered() -> list[str]:
    return [HTML, *(item.announced for item in FORMATS.values())]


def _parse(value: str) -> tuple[str, dict[str, str]]:
    kind, *params = [part.strip() for part in value.split(";")]
    found = {}
    for param in params:
        key, _, text = param.partition("=")
        found[key.strip().lower()] = text.strip().strip('"')
    return kind.lower(), found


def _fits(wanted: str, params: dict[str, str], item: Format) -> bool:
    if wanted not in ("*/*", item.media_type, item.media_type.split("/")[0] + "/*"):
        return False
    profile = params.get("profile")
    if profile is None or item.profile is None:
        return True
    return any(part in (item.profile, item.name) for part in profile.split())


def negotiate() -> Format | None:
    """The format this request asks for; None for the page. Raises NotAcceptable."""
    named = request.args.get("format")
    if named:
        if named == "html":
            return None
        if named not in FORMATS:
            raise NotFound(f"No format {named!r}; offered: html, {', '.join(FORMATS)}.")
        return FORMATS[named]
    accept = request.accept_mimetypes
    if not accept:
        return None  # no Accept header: the page, as for a browser
    choices = sorted(accept, key=lambda pair: -pair[1])  # stable: the client's order breaks ties
    for value, quality in choices:
        if quality <= 0:
            continue
        wanted, params = _parse(value)
        if wanted in ("*/*", HTML, "text/*", "application/xhtml+xml"):
            return None
        fitting = [item for item in FORMATS.values() if _fits(wanted, params, item)]
        if params.get("profile"):  # a profile named: only a format with that profile fits
            fitting = [item for item in fitting if item.profile] or fitting
        if fitting:
            return fitting[0]
    raise NotAcceptable


def not_acceptable() -> Response:
    body = {
        "message": "None of the requested media types is offered for this record.",
        "errors": {},
        "offered": offered(),
    }
    return Response(orjson.dumps(body), status=406, mimetype="application/json")


def answer_format(item: Format, shown: dict[str, Any], status: int) -> Response:
    """The record in ``item``'s format (410 keeps a withdrawn record's metadata)."""
    here = site()
    response = Response(item.render(shown, here), status=status, mimetype=item.media_type)
    if item.name in ("bibtex", "ris", "csl-json"):
        filename = f"{shown['id']}.{item.extension}"
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return signposted(response, shown)


def signposted(response: Response, shown: dict[str, Any]) -> Response:
    response.headers["Link"] = link_header(shown, site())
    response.vary.add("Accept")
    return response


@blp.get("/records/<record_id>/linkset")
def record_linkset(record_id: str) -> Response:
    """The record's FAIR Signposting links as an RFC 9264 linkset."""
    with reader() as session:
        shown = as_the_api_shows(read_any(session, current_identity(), record_id))
    body = orjson.dumps(linkset(shown, site()), option=orjson.OPT_INDENT_2)
    return Response(body, mimetype=LINKSET_TYPE)
