"""The record URL for machines: content negotiation, signposting and the linkset.

``GET /records/{id}`` answers a page to browsers and, by ``Accept`` (or ``?format=`` for
people following a link), the record in any format of
:mod:`catalogue.services.exports.formats`; ``406`` lists what is offered when nothing fits.
Every answer carries the FAIR Signposting ``Link`` header and ``Vary: Accept``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

import orjson
from flask import Blueprint, current_app, g, redirect, request, url_for
from rdflib import RDF, Graph, URIRef
from sqlalchemy import select
from werkzeug.wrappers import Response

from catalogue.api.context import reader
from catalogue.api.identity import current_identity
from catalogue.api.records import as_the_api_shows
from catalogue.domain.errors import InvalidInput, NotFound
from catalogue.models import Theme
from catalogue.services.exports import Site, dcat, harvest
from catalogue.services.exports.formats import FORMATS, Format
from catalogue.services.exports.signposting import LINKSET_TYPE, link_header, linkset
from catalogue.services.records import read_any

blp = Blueprint("machine", __name__)

HTML = "text/html"


class NotAcceptable(Exception):
    """No offered format fits the request's ``Accept``."""


def site() -> Site:
    """The catalogue as the exports name it (made once per request)."""
    if "export_site" not in g:
        settings = current_app.extensions["catalogue"].settings
        with reader() as session:
            themes = tuple(session.execute(select(Theme.id, Theme.label).order_by(Theme.id)))
        g.export_site = Site.of(settings, themes)
    found: Site = g.export_site
    return found


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
    # A profile by its URI, or by a short name ("DCAT", "schema.org") as people write it.
    names = {item.profile.lower(), item.name, item.name.split("-")[0]}
    return any(part.lower() in names for part in profile.split())


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
    response = Response(orjson.dumps(body), status=406, mimetype="application/json")
    response.vary.add("Accept")
    return response


def answer_format(item: Format, shown: dict[str, Any], status: int) -> Response:
    """The record in ``item``'s format (410 keeps a withdrawn record's metadata)."""
    here = site()
    response = Response(item.render(shown, here), status=status, mimetype=item.media_type)
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


_RDF_FORMATS = ("dcat-turtle", "dcat-jsonld", "dcat-rdfxml")


def _rdf_format() -> Format:
    """The RDF serialisation asked for (Turtle unless JSON-LD or RDF/XML is preferred)."""
    named = request.args.get("format")
    if named:
        if named not in _RDF_FORMATS:
            raise NotFound(f"No format {named!r} here; offered: {', '.join(_RDF_FORMATS)}.")
        return FORMATS[named]
    offer = {FORMATS[name].media_type: FORMATS[name] for name in _RDF_FORMATS}
    best = request.accept_mimetypes.best_match(list(offer))
    return offer[best] if best else FORMATS["dcat-turtle"]


def _rdf_answer(graph: Graph, item: Format, headers: dict[str, str] | None = None) -> Response:
    syntax = {"dcat-turtle": "turtle", "dcat-jsonld": "json-ld", "dcat-rdfxml": "xml"}[item.name]
    body = graph.serialize(format=syntax, encoding="utf-8")
    response = Response(body, mimetype=item.media_type, headers=headers or {})
    response.vary.add("Accept")
    return response


def _since() -> datetime | None:
    text = request.args.get("modified_since")
    if not text:
        return None
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(
            {"modified_since": ["Must be a date or a date and time (ISO 8601)."]},
            location="query",
        ) from exc
    return found if found.tzinfo else found.replace(tzinfo=UTC)


@blp.get("/catalogue")
@blp.get("/catalogue/<any(datasets, publications):part>")
def catalogue(part: str | None = None) -> Response:
    """The catalogue in DCAT-AP (Health-RI profile): the catalogue, its sub-catalogue per
    kind and the theme scheme, with one page of published records (``size``, at most
    10,000; ``after`` continues; ``modified_since`` for what changed)."""
    item = _rdf_format()
    size = request.args.get("size", type=int) or 1000
    if not 1 <= size <= 10_000:
        raise InvalidInput({"size": ["Must be between 1 and 10000."]}, location="query")
    kind = part[:-1] if part else None
    chosen = harvest.Selection(kind=kind, since=_since())
    here = site()
    graph = dcat.new_graph()
    with reader() as session:
        counts = {
            name: harvest.count(session, harvest.Selection(kind=name))
            for name in ("dataset", "publication")
        }
        records = harvest.page(session, chosen, request.args.get("after"), size)
        dcat.add_catalogue(graph, here, counts)
        dcat.describe_catalogue_levels(graph, here, *harvest.first_and_last_change(session))
        for found in records:
            shown = as_the_api_shows(found)
            subject = dcat.add_record(graph, shown, here)
            dcat.describe_record_level(graph, here, shown, subject)
            dcat.add_member(graph, here, shown, subject)
    headers = {}
    if len(records) == size:  # there may be more: say where they continue
        args: dict[str, Any] = {**request.args.to_dict(), "after": records[-1].id, "part": part}
        following = here.url(url_for("machine.catalogue", **args))
        view = URIRef(here.url(request.full_path.rstrip("?")))
        graph.add((view, RDF.type, dcat.HYDRA.PartialCollectionView))
        graph.add((view, dcat.HYDRA.next, URIRef(following)))
        headers["Link"] = f'<{following}>; rel="next"'
    return _rdf_answer(graph, item, headers)


@blp.get("/fdp")
def fair_data_point() -> Response:
    """The FAIR Data Point (specs v1.2): the metadata service, whose catalogue is
    ``/catalogue`` (and its sub-catalogues), whose datasets are the record URLs."""
    here = site()
    graph = dcat.new_graph()
    with reader() as session:
        first, last = harvest.first_and_last_change(session)
        counts = {
            name: harvest.count(session, harvest.Selection(kind=name))
            for name in ("dataset", "publication")
        }
    dcat.add_fdp(graph, here, version("fair-catalogue"), first, last)
    dcat.add_catalogue(graph, here, counts)
    dcat.describe_catalogue_levels(graph, here, first, last)
    return _rdf_answer(graph, _rdf_format())


@blp.get("/themes")
@blp.get("/themes/<theme>")
def themes(theme: str | None = None) -> Response:
    """The innovation themes as a SKOS concept scheme; each theme's IRI resolves here (a
    person's browser is sent to the search for the theme)."""
    here = site()
    labels = dict(here.themes)
    if theme is not None and theme not in labels:
        raise NotFound(f"No theme {theme!r}.")
    if request.accept_mimetypes.best == "text/html" and not request.args.get("format"):
        return redirect(url_for("web.search", theme=theme) if theme else url_for("web.home"))
    graph = dcat.new_graph()
    dcat.add_catalogue(graph, here, {})
    if theme is not None:
        concept, whole = dcat.theme_iri(here, theme), graph
        graph = dcat.new_graph()
        for triple in whole.triples((concept, None, None)):
            graph.add(triple)
    return _rdf_answer(graph, _rdf_format())
