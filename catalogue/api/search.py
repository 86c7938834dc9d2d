"""``/api/search`` and ``/api/search/suggest``; also renders the record listings."""

from __future__ import annotations

import threading
import time
from typing import Any

import orjson
from flask import Response, current_app, request, url_for
from flask.views import MethodView
from sqlalchemy import select

from catalogue.api.context import reader
from catalogue.api.identity import current_identity
from catalogue.api.routing import Blueprint
from catalogue.models import AccessRight, Department, ResourceType, Theme
from catalogue.services.search import search_records, suggest
from schemas.search import SearchArgsSchema, SearchPageSchema, SuggestArgsSchema, SuggestionsSchema
from search.query import SearchBackend, SearchResult, encode_after

blp = Blueprint(
    "search",
    __name__,
    url_prefix="/api/search",
    description="Full-text search with facets over datasets and publications.",
)

_LABELLED: dict[str, Any] = {
    "theme": Theme,
    "department": Department,
    "resource_type": ResourceType,
    "access_right": AccessRight,
}
_ENDPOINT = {"dataset": "datasets.Item", "publication": "publications.Item"}


def backend() -> SearchBackend:
    found: SearchBackend = current_app.extensions["catalogue"].backend
    return found


def render(result: SearchResult, args: dict[str, Any]) -> Response:
    """The answer to a search: records with links and highlights, labelled facets, paging.

    Serialised here rather than by the response schema: the hits are already in their wire
    form (the index stores each record as JSON text), and searching is the hot path.
    """
    base = _record_bases()
    hits = [
        _with_members(
            hit.record_json,
            {"links": {"self": base[hit.kind] + hit.id}, "highlights": hit.highlights},
        )
        for hit in result.hits
    ]
    cache = current_app.extensions.setdefault("catalogue_labels", _VocabularyLabels())
    wanted = {(name, v.key) for name, values in result.facets.items() for v in values}
    labels = cache.get(wanted)
    facets = {
        name: [{"key": v.key, "count": v.count, "label": labels.get((name, v.key))} for v in values]
        for name, values in result.facets.items()
    }
    body = {
        "total": result.total,
        "page": args.get("page", 1),
        "size": args.get("size", 20),
        "hits": hits,
        "facets": facets,
        "next": encode_after(result.next_after) if result.next_after else None,
    }
    return Response(orjson.dumps(body), mimetype="application/json")


def _record_bases() -> dict[str, str]:
    """The start of each kind's record address (before the id), as this request's host
    names it; built once per host rather than twice per search."""
    known: dict[str, dict[str, str]] = current_app.extensions.setdefault("catalogue_bases", {})
    host = request.root_url
    found = known.get(host)
    if found is None:
        found = {
            kind: url_for(endpoint, record_id="-", _external=True)[:-1]
            for kind, endpoint in _ENDPOINT.items()
        }
        if len(known) < 64:  # a bounded cache, whatever Host headers callers send
            known[host] = found
    return found


def _with_members(record_json: str, members: dict[str, Any]) -> orjson.Fragment:
    """The JSON object ``record_json`` with ``members`` added, joined as text: parsing and
    writing every record of a page again cost twice as much (0.4 against 0.2 ms a page)."""
    head = record_json.rstrip()[:-1].rstrip()  # the object without its closing brace
    tail = orjson.dumps(members)[1:]  # the members without their opening brace
    return orjson.Fragment(head.encode() + (b"," if head != "{" else b"") + tail)


class _VocabularyLabels:
    """Labels of the terms facets show, read from the app's database at most once a minute.

    A label an administrator changes shows in facets within that minute; a term the cache
    does not know yet (just added) makes it read again, at most once a second.
    """

    ttl = 60.0
    ttl_when_missing = 1.0

    def __init__(self) -> None:
        self._labels: dict[tuple[str, str], str] = {}
        self._read_at = -self.ttl
        self._lock = threading.Lock()

    def get(self, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
        with self._lock:
            age = time.monotonic() - self._read_at
            missing = any(key not in self._labels for key in wanted if key[0] in _LABELLED)
            if age > self.ttl or (missing and age > self.ttl_when_missing):
                labels = {}
                with reader() as session:
                    for name, model in _LABELLED.items():
                        for term_id, label in session.execute(select(model.id, model.label)):
                            labels[(name, term_id)] = label
                self._labels, self._read_at = labels, time.monotonic()
            return self._labels


# Schema instances, not classes: webargs would build (and deep-copy the fields of) a new
# schema for every request on the hottest path.
_SEARCH_ARGS = SearchArgsSchema()
_SUGGEST_ARGS = SuggestArgsSchema()


@blp.route("")
class Search(MethodView):
    @blp.arguments(_SEARCH_ARGS, location="query")
    @blp.response(200, SearchPageSchema)
    @blp.alt_response(503, description="The search engine is unavailable")
    def get(self, args: dict[str, Any]) -> Response:
        """Search datasets and publications: free text, filters, facets, sorting, paging.

        Permissions apply inside the query: you see published records, and your own drafts
        when you ask for them (``status=draft`` or ``owner=me``); facet counts count only what
        you may see.
        """
        return render(search_records(backend(), current_identity(), args), args)


@blp.route("/suggest")
class Suggest(MethodView):
    @blp.arguments(_SUGGEST_ARGS, location="query")
    @blp.response(200, SuggestionsSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Type-ahead: titles, creator names and keywords starting with what was typed."""
        found = suggest(backend(), current_identity(), args["q"], args["size"])
        return {"suggestions": [{"text": s.text, "field": s.field} for s in found]}
