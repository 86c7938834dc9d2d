"""Searching on behalf of a caller: the permission filter goes into the engine's query."""

from __future__ import annotations

from typing import Any

from catalogue.domain.errors import InvalidInput
from catalogue.services.permissions import Identity, search_visibility
from search.query import (
    SearchBackend,
    SearchFailed,
    SearchRequest,
    SearchResult,
    Suggestion,
    decode_after,
)

_FILTERS = (
    "kind",
    "theme",
    "department",
    "resource_type",
    "year",
    "access_right",
    "license",
    "open_access",
    "creator",
)


NOT_A_TOKEN = {"after": ["Not a 'next' token of this search."]}


def search_records(
    backend: SearchBackend, identity: Identity, args: dict[str, Any]
) -> SearchResult:
    """Run a search with the arguments of ``SearchArgsSchema``."""
    after = None
    if args.get("after"):
        try:
            after = decode_after(args["after"])
        except ValueError as exc:
            raise InvalidInput(NOT_A_TOKEN, location="query") from exc
    status = args.get("status")
    mine = args.get("owner") == "me"
    if mine and identity.is_anonymous:
        raise InvalidInput({"owner": ["Log in to list your own records."]})
    statuses = (
        (status,) if status else (("draft", "published", "withdrawn") if mine else ("published",))
    )
    request = SearchRequest(
        visibility=search_visibility(identity),
        text=args.get("q", ""),
        filters={name: tuple(str(v) for v in args.get(name, [])) for name in _FILTERS},
        statuses=statuses,
        owner_only=mine,
        sort=args.get("sort", "relevance"),
        page=args.get("page", 1),
        size=args.get("size", 20),
        after=after,
        facets=args.get("facets", True),
    )
    try:
        return backend.search(request)
    except SearchFailed as exc:
        # A token decoded fine but holds values this sort cannot use (made by hand, or
        # from another sort): the caller's mistake, not the engine's.
        if after is not None and not exc.transient:
            raise InvalidInput(NOT_A_TOKEN, location="query") from exc
        raise


def suggest(backend: SearchBackend, identity: Identity, prefix: str, size: int) -> list[Suggestion]:
    return backend.suggest(prefix, search_visibility(identity), size)
