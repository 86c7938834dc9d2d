"""``/api/search`` and ``/api/search/suggest``; also renders the record listings."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from catalogue.api.context import reader
from catalogue.identity import current_identity
from catalogue.indexing import SearchBackend
from catalogue.models import AccessRight, Department, ResourceType, Theme
from catalogue.services.search import search_records, suggest
from schemas.search import SearchArgsSchema, SearchPageSchema, SuggestArgsSchema, SuggestionsSchema
from search.query import SearchResult, encode_after

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


def render(result: SearchResult, args: dict[str, Any]) -> dict[str, Any]:
    """The answer to a search: records with links and highlights, labelled facets, paging."""
    hits = []
    for hit in result.hits:
        record = dict(hit.record)
        endpoint = _ENDPOINT[record["kind"]]
        record["links"] = {"self": url_for(endpoint, record_id=hit.id, _external=True)}
        record["highlights"] = hit.highlights
        hits.append(record)
    labels = _labels(result)
    facets = {
        name: [{"key": v.key, "count": v.count, "label": labels.get((name, v.key))} for v in values]
        for name, values in result.facets.items()
    }
    return {
        "total": result.total,
        "page": args.get("page", 1),
        "size": args.get("size", 20),
        "hits": hits,
        "facets": facets,
        "next": encode_after(result.next_after) if result.next_after else None,
    }


def _labels(result: SearchResult) -> dict[tuple[str, str], str]:
    wanted = {name for name in _LABELLED if result.facets.get(name)}
    labels: dict[tuple[str, str], str] = {}
    if not wanted:
        return labels
    with reader() as session:
        for name in wanted:
            model = _LABELLED[name]
            keys = [value.key for value in result.facets[name]]
            for term_id, label in session.execute(
                select(model.id, model.label).where(model.id.in_(keys))
            ):
                labels[(name, term_id)] = label
    return labels


@blp.route("")
class Search(MethodView):
    @blp.arguments(SearchArgsSchema, location="query")
    @blp.response(200, SearchPageSchema)
    @blp.alt_response(503, description="The search engine is unavailable")
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Search datasets and publications: free text, filters, facets, sorting, paging.

        Permissions apply inside the query: you see published records, and your own drafts
        when you ask for them (``status=draft`` or ``owner=me``); facet counts count only what
        you may see.
        """
        return render(search_records(backend(), current_identity(), args), args)


@blp.route("/suggest")
class Suggest(MethodView):
    @blp.arguments(SuggestArgsSchema, location="query")
    @blp.response(200, SuggestionsSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Type-ahead: titles, creator names and keywords starting with what was typed."""
        found = suggest(backend(), current_identity(), args["q"], args["size"])
        return {"suggestions": [{"text": s.text, "field": s.field} for s in found]}
