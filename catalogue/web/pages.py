"""The pages people read: home, search and record pages.

Each page asks the services the API asks, for the same caller, so a page never shows what the
API would refuse. Pages read and search without JavaScript: the search state lives in the URL
(shareable, the back button works), filters are a plain GET form.
"""

from __future__ import annotations

import time
from typing import Any

import orjson
from flask import (
    Blueprint,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from catalogue.api.context import reader
from catalogue.api.identity import current_identity
from catalogue.api.records import as_the_api_shows
from catalogue.domain.errors import NotFound
from catalogue.models import AccessRequest, Dataset, Record, Theme
from catalogue.services import access, citations, permissions
from catalogue.services.exports import schemaorg
from catalogue.services.exports.formats import FORMATS
from catalogue.services.permissions import Identity
from catalogue.services.records import read_any, service_for
from catalogue.services.reports import fair_report, open_access_report
from catalogue.services.search import search_records
from catalogue.web import forms, labels, machine
from schemas.search import MAX_WINDOW, SearchArgsSchema
from search.query import SearchBackend, SearchResult, encode_after
from search.reports import ReportQuery


class _PagesBlueprint(Blueprint):
    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """A year for a versioned asset URL (``?v=`` is its content hash, so a change is a
        new URL); otherwise browsers ask again each time."""
        return 365 * 86400 if request.args.get("v") else None


blp = _PagesBlueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    # Not /static: the application's own static route would answer first.
    static_url_path="/assets",
)

# The filters a person can set on the search page, in the order the sidebar shows them.
FACETS = (
    "kind",
    "resource_type",
    "theme",
    "department",
    "year",
    "access_right",
    "license",
    "open_access",
    "creator",
)
PAGE_SIZE = 20
_SEARCH_ARGS = SearchArgsSchema()


def _backend() -> SearchBackend:
    found: SearchBackend = current_app.extensions["catalogue"].backend
    return found


def _search(args: dict[str, Any]) -> SearchResult:
    return search_records(_backend(), current_identity(), args)


def _hits(result: SearchResult) -> list[dict[str, Any]]:
    """Each hit in its wire form, with its highlights."""
    return [{**orjson.loads(hit.record_json), "highlights": hit.highlights} for hit in result.hits]


@blp.get("/")
def home() -> str:
    result = _search({"sort": "newest", "size": 6, "facets": True})
    theme_counts = {value.key: value.count for value in result.facets.get("theme", [])}
    with reader() as session:
        themes = session.scalars(
            select(Theme).where(Theme.retired.is_(False)).order_by(Theme.group, Theme.label)
        ).all()
        groups: dict[str, list[dict[str, Any]]] = {key: [] for key in labels.THEME_GROUPS}
        for theme in themes:
            groups.setdefault(theme.group, []).append(
                {"id": theme.id, "label": theme.label, "count": theme_counts.get(theme.id, 0)}
            )
        open_access, fair = _objectives(session)
    return render_template(
        "web/home.html",
        newest=_hits(result),
        total=result.total,
        theme_groups=[
            (labels.THEME_GROUPS.get(key, key), members)
            for key, members in groups.items()
            if members
        ],
        open_access=open_access,
        fair=fair,
    )


OBJECTIVES_TTL = 60.0  # seconds the home page's two figures may lag; the dashboards are exact


def _objectives(session: Session) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """This year's Open Access and FAIR figures for the home page, computed at most once a
    minute per process: both reports cost more than the rest of the page together."""
    cached = current_app.extensions.get("catalogue_home_objectives")
    if cached is not None and time.monotonic() - cached[0] < OBJECTIVES_TTL:
        figures: tuple[dict[str, Any] | None, dict[str, Any] | None] = cached[1]
        return figures
    figures = (
        _latest_year(
            open_access_report(session, _backend(), ReportQuery(scope="peer-reviewed-articles"))
        ),
        _latest_year(fair_report(session, _backend(), ReportQuery(scope="all"))),
    )
    current_app.extensions["catalogue_home_objectives"] = (time.monotonic(), figures)
    return figures


def _latest_year(report: dict[str, Any]) -> dict[str, Any] | None:
    """The most recent complete-looking year of a report: this year if it has records."""
    years = report.get("years") or []
    return years[-1] if years else None


@blp.get("/search")
def search() -> str | tuple[str, int]:
    form = request.args
    problems: dict[str, Any] = {}
    try:
        args = _SEARCH_ARGS.load(forms.query_arguments(_SEARCH_ARGS, form))
    except ValidationError as exc:
        problems = exc.normalized_messages()  # type: ignore[no-untyped-call]
        args = _SEARCH_ARGS.load({"q": form.get("q", "")[:500]}) if "q" not in problems else {}
    args = {"size": PAGE_SIZE, **args}
    result = _search(args) if args else None
    chosen = {name: form.getlist(name) for name in FACETS}
    body = render_template(
        "web/search.html",
        q=form.get("q", ""),
        sort=args.get("sort", "relevance"),
        result=result,
        hits=_hits(result) if result else [],
        facets=_facets(result, chosen) if result else [],
        chosen=chosen,
        chosen_count=sum(len(values) for values in chosen.values()),
        problems=problems,
        pager=_pager(result, args) if result else None,
        link=_link_with,
    )
    return (body, 422) if problems else body


def _facets(result: SearchResult, chosen: dict[str, list[str]]) -> list[dict[str, Any]]:
    """The sidebar: each facet's values with counts and labels; chosen values first."""
    with reader() as session:
        names = labels.for_facets(session, result.facets)
    shown = []
    for name in FACETS:
        values = result.facets.get(name, [])
        if not values and not chosen.get(name):
            continue
        entries = [
            {
                "key": value.key,
                "count": value.count,
                "label": names.get((name, value.key), value.key),
                "chosen": value.key in chosen.get(name, []),
            }
            for value in values
        ]
        shown.append({"name": name, "title": labels.FACET_TITLES[name], "values": entries})
    return shown


def _pager(result: SearchResult, args: dict[str, Any]) -> dict[str, Any]:
    """Links to pages around this one; past the first 10,000 results "next" follows the
    engine's token (deep paging), as the API does."""
    size, page = args["size"], args.get("page", 1)
    token = encode_after(result.next_after) if result.next_after else None
    if args.get("after"):
        deep_next = _link_with(after=token, page=None) if token else None
        return {"current": None, "numbers": [], "prev": None, "next": deep_next}
    last = max(1, -(-min(result.total, MAX_WINDOW) // size))
    if page < last:
        following = _link_with(page=page + 1)
    elif token and result.total > page * size:
        following = _link_with(after=token, page=None)
    else:
        following = None
    return {
        "current": page,
        "numbers": [
            (n, _link_with(page=n)) for n in range(max(1, page - 2), min(last, page + 2) + 1)
        ],
        "prev": _link_with(page=page - 1) if page > 1 else None,
        "next": following,
    }


def _link_with(**changes: Any) -> str:
    """This search's URL with some parameters changed (None removes one)."""
    params = MultiDict(request.args)
    for name, value in changes.items():
        params.poplist(name)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            params.add(name, item)
    if "page" not in changes and "after" not in changes:
        params.poplist("page")
        params.poplist("after")
    query: dict[str, Any] = params.to_dict(flat=False)
    return url_for("web.search", **query)


@blp.get("/records/<record_id>")
def record(record_id: str) -> Response:
    """The record's page, or the record in the format the client asks for (``Accept``, or
    ``?format=``): see ``catalogue.web.machine``."""
    try:
        chosen = machine.negotiate()
    except machine.NotAcceptable:
        return machine.not_acceptable()
    if chosen is None:
        return record_page(record_id)
    with reader() as session:
        shown = as_the_api_shows(read_any(session, current_identity(), record_id))
    return machine.answer_format(chosen, shown, 410 if shown["status"] == "withdrawn" else 200)


def record_page(
    record_id: str,
    status: int = 200,
    ask: dict[str, str] | None = None,
    notice: str = "",
    editor_typed: str = "",
) -> Response:
    """A record's page, with its signposting links; ``ask`` shows the access request form
    again with what was typed."""
    identity = current_identity()
    with reader() as session:
        found = read_any(session, identity, record_id)
        shown = as_the_api_shows(found)
        fair = found.fair_assessment if isinstance(found, Dataset) else None
        can_edit = permissions.can_edit(identity, found)
        coeditors = (
            [(e.user_id, e.user.name) for e in access.editors(session, identity, found)]
            if permissions.can_see_history(identity, found)
            else None
        )
        may_manage = permissions.can_manage_editors(identity, found)
        versions = [
            {"id": v.id, "number": v.version_number, "status": v.status, "latest": v.is_latest}
            for v in _versions(session, identity, found)
        ]
        pending = None
        if not identity.is_anonymous and isinstance(found, Dataset):
            pending = session.scalar(
                select(AccessRequest.id).where(
                    AccessRequest.concept_id == found.concept_id,
                    AccessRequest.requester_id == identity.user_id,
                    AccessRequest.status == "pending",
                )
            )
    latest = next((v for v in versions if v["latest"]), None)
    body = render_template(
        "web/record.html",
        record=shown,
        fair=fair,
        versions=versions,
        latest=latest,
        citation=citations.apa(shown),
        vancouver=citations.vancouver(shown),
        can_edit=can_edit,
        pending_request=pending,
        ask=ask or {},
        notice=notice,
        coeditors=coeditors,
        may_manage_editors=may_manage,
        editor_typed=editor_typed,
        schema_org=schemaorg.to_jsonld(shown, machine.site()),
        formats=[item for item in FORMATS.values() if item.name not in CITATION_FORMATS],
    )
    # A withdrawn record keeps its page (the citation, the reason): gone, not missing.
    gone = shown["status"] == "withdrawn"
    return machine.signposted(make_response(body, 410 if gone else status), shown)


def _versions(session: Session, identity: Identity, found: Record) -> list[Record]:
    return list(service_for(found.kind).versions(session, identity, found.id))


CITATION_FORMATS = ("bibtex", "ris", "csl-json")  # downloaded from "How to cite"


@blp.get("/records/<record_id>/citation/<name>")
def citation(record_id: str, name: str) -> Response:
    """The record as a file for reference managers: BibTeX, RIS or CSL-JSON."""
    if name not in CITATION_FORMATS:
        raise NotFound(f"No citation format {name!r}; try bibtex, ris or csl-json.")
    item = FORMATS[name]
    with reader() as session:
        shown = as_the_api_shows(read_any(session, current_identity(), record_id))
    response = machine.answer_format(item, shown, 200)
    filename = f"{record_id}.{item.extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blp.get("/works/<concept_id>")
def work(concept_id: str) -> Response:
    """A work's lasting URL: its latest published version (or the newest one you may see)."""
    identity = current_identity()
    with reader() as session:
        found = read_any(session, identity, concept_id)
        versions = _versions(session, identity, found)
    if not versions:
        raise NotFound(f"No work {concept_id!r}.")
    latest = next((v for v in versions if v.is_latest), versions[-1])
    return redirect(url_for("web.record", record_id=latest.id))
