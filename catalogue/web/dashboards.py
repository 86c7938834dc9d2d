"""The two objectives as pages: the Open Access dashboard and the FAIR dashboard.

Readable by everyone (the figures are the institution's, not personal data); library staff
and data stewards act on them from the worklists. Every figure comes from the report builder
the API and the CSV use, for the same filters: a chart, its table and its CSV agree.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from catalogue.api.context import reader
from catalogue.domain.errors import NotFound
from catalogue.domain.openaccess import CATEGORIES, STATUSES
from catalogue.models import Department, ReportSnapshot, Theme
from catalogue.services.reports import fair_report, list_snapshots, open_access_report
from catalogue.web import charts, forms
from catalogue.web.labels import FIXED_LABELS
from schemas.reports import FairReportArgsSchema, OpenAccessReportArgsSchema
from search.reports import ReportQuery

# Its templates are the web blueprint's (web/open_access.html, web/fair.html).
blp = Blueprint("dashboards", __name__)
_OA_ARGS = OpenAccessReportArgsSchema()
_FAIR_ARGS = FairReportArgsSchema()
SCHEMES = {"dutch": (CATEGORIES, "dutch_open_share"), "international": (STATUSES, "open_share")}


def _args(schema: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The filters in the URL, loaded by the API's own schema; problems named, not fatal."""
    raw = forms.query_arguments(schema, request.args)
    try:
        return schema.load(raw), {}
    except ValidationError as exc:
        problems: dict[str, Any] = exc.normalized_messages()  # type: ignore[no-untyped-call]
        kept = {key: value for key, value in raw.items() if key not in problems}
        try:
            return schema.load(kept), problems
        except ValidationError:  # a rule across fields: show the defaults
            return schema.load({}), problems


def _query(args: dict[str, Any], scope: str) -> ReportQuery:
    return ReportQuery(
        scope=scope,
        themes=tuple(args.get("theme", ())),
        departments=tuple(args.get("department", ())),
        types=tuple(args.get("type", ())),
        year_from=args.get("year_from"),
        year_to=args.get("year_to"),
        include_suggested=args.get("suggested_themes") == "include",
    )


def _options() -> dict[str, list[Any]]:
    """The themes and departments a filter offers (retired ones too: old records have them)."""
    with reader() as session:
        return {
            "themes": list(session.scalars(select(Theme).order_by(Theme.label))),
            "departments": list(session.scalars(select(Department).order_by(Department.label))),
        }


def _csv_link(endpoint: str) -> str:
    """The API's CSV of exactly these figures (the same query string)."""
    params: dict[str, Any] = request.args.to_dict(flat=False)
    params.pop("scheme", None)
    params.pop("lang", None)
    params["format"] = ["csv"]
    return url_for(endpoint, **params)


@blp.get("/open-access")
def open_access() -> tuple[str, int] | str:
    args, problems = _args(_OA_ARGS)
    scheme = request.args.get("scheme", "dutch")
    if scheme not in SCHEMES:
        scheme = "dutch"
    names, share_key = SCHEMES[scheme]
    backend = current_app.extensions["catalogue"].backend
    with reader() as session:
        report = open_access_report(session, backend, _query(args, args["scope"]))
    years = report.get("years", [])
    counts = "dutch" if scheme == "dutch" else "international"
    series = [
        charts.Series(
            str(FIXED_LABELS.get(("open_access", name), name)),
            [
                100 * year[counts].get(name, 0) / year["total"] if year["total"] else 0.0
                for year in years
            ],
        )
        for name in names
    ]
    chart = charts.stacked_percent_bars(
        "oa-chart",
        _("Open Access per publication year"),
        _("Share of publications per status and year; the line is the 100% target."),
        [str(year["year"]) for year in years],
        series,
        target=report["target"],
        target_label=_("target 100%"),
    )
    body = render_template(
        "web/open_access.html",
        report=report,
        years=years,
        names=names,
        counts=counts,
        share_key=share_key,
        scheme=scheme,
        args=args,
        problems=problems,
        chart=chart,
        options=_options(),
        csv_link=_csv_link("reports.OpenAccessReport"),
    )
    return (body, 422) if problems else body


@blp.get("/fair")
def fair() -> tuple[str, int] | str:
    args, problems = _args(_FAIR_ARGS)
    backend = current_app.extensions["catalogue"].backend
    with reader() as session:
        report = fair_report(session, backend, _query(args, "all"))
    years = report.get("years", [])
    chart = charts.percent_bars(
        "fair-chart",
        _("Datasets meeting every essential FAIR indicator"),
        _("Share of published datasets per year that meet every essential indicator."),
        [str(year["year"]) for year in years],
        [year["essential_share"] for year in years],
        target=report["target"],
        target_label=_("target 100%"),
    )
    latest = years[-1] if years else None
    body = render_template(
        "web/fair.html",
        report=report,
        years=years,
        latest=latest,
        args=args,
        problems=problems,
        chart=chart,
        options=_options(),
        csv_link=_csv_link("reports.FairReport"),
    )
    return (body, 422) if problems else body


@blp.get("/snapshots")
def snapshots() -> str:
    """Frozen yearly figures, newest first (``catalogue report snapshot --year``)."""
    with reader() as session:
        found = list_snapshots(session)
    return render_template("web/snapshots.html", snapshots=found)


@blp.get("/snapshots/<id:snapshot_id>")
def snapshot(snapshot_id: int) -> str:
    """One snapshot: its year's Open Access and FAIR figures as on the day it was taken,
    overall and per theme and department."""
    with reader() as session:
        found = session.get(ReportSnapshot, snapshot_id)
        if found is None:
            raise NotFound(_("No snapshot %(n)s.", n=snapshot_id))
        figures = found.figures
        themes = dict(session.execute(select(Theme.id, Theme.label)).all())
        departments = dict(session.execute(select(Department.id, Department.label)).all())
    return render_template(
        "web/snapshot.html",
        snapshot=found,
        open_access=_first_year(figures.get("open_access", {})),
        fair=_first_year(figures.get("fair", {})),
        groups=[
            (
                _("Per innovation theme"),
                themes,
                figures.get("open_access_by_theme", {}),
                figures.get("fair_by_theme", {}),
            ),
            (
                _("Per department"),
                departments,
                figures.get("open_access_by_department", {}),
                figures.get("fair_by_department", {}),
            ),
        ],
    )


def _first_year(report: dict[str, Any]) -> dict[str, Any] | None:
    years = report.get("years") or []
    return years[0] if years else None
