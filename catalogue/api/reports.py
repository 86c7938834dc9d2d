"""``/api/reports/...``: the figures behind the institution's two objectives."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app
from flask.views import MethodView

from catalogue.api.context import reader
from catalogue.api.routing import Blueprint
from catalogue.api.spreadsheets import csv_answer
from catalogue.domain.errors import NotFound
from catalogue.models import ReportSnapshot
from catalogue.services.reports import (
    fair_csv_rows,
    fair_report,
    list_snapshots,
    open_access_csv_rows,
    open_access_report,
)
from catalogue.services.worklists import WORKLISTS, worklist
from schemas.reports import (
    FairReportArgsSchema,
    FairReportSchema,
    OpenAccessReportArgsSchema,
    OpenAccessReportSchema,
    SnapshotSchema,
    SnapshotSummarySchema,
    WorklistArgsSchema,
    WorklistSchema,
)
from search.reports import (
    ReportQuery,
)

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/reports",
    description="How far the institution is from Open Access as the norm and FAIR research.",
)


def _query(args: dict[str, Any]) -> ReportQuery:
    return ReportQuery(
        scope=args["scope"],
        themes=tuple(args.get("theme", ())),
        departments=tuple(args.get("department", ())),
        types=tuple(args.get("type", ())),
        year_from=args.get("year_from"),
        year_to=args.get("year_to"),
        group_by=args.get("group_by"),
        include_suggested=args.get("suggested_themes") == "include",
    )


# With format=csv the same figures come as a spreadsheet: the 200 answer has both types.
_CSV_TOO = {
    200: {
        "content": {
            "text/csv": {
                "schema": {
                    "type": "string",
                    "description": "format=csv: a row per year (and group)",
                }
            }
        }
    }
}


def _backend() -> object:
    return current_app.extensions["catalogue"].backend


@blp.route("/open-access")
class OpenAccessReport(MethodView):
    @blp.arguments(OpenAccessReportArgsSchema, location="query")
    @blp.response(200, OpenAccessReportSchema)
    @blp.doc(responses=_CSV_TOO)
    def get(self, args: dict[str, Any]) -> Any:
        """Per publication year: counts per Open Access status in both schemes (international
        and the Dutch monitor's), the share open against the 100% target and the national
        reference figures; filter by theme, department, type and years, group by one of them.
        ``format=csv`` gives the same as a spreadsheet."""
        with reader() as session:
            report = open_access_report(session, _backend(), _query(args))
        if args.get("format") == "csv":
            return csv_answer(open_access_csv_rows(report), "open-access.csv")
        return report


@blp.route("/fair")
class FairReport(MethodView):
    @blp.arguments(FairReportArgsSchema, location="query")
    @blp.response(200, FairReportSchema)
    @blp.doc(responses=_CSV_TOO)
    def get(self, args: dict[str, Any]) -> Any:
        """Per year (and theme or department): published datasets, the share passing every
        essential FAIR indicator against the 100% target, mean scores per F, A, I, R, the
        distribution of scores and the most frequent gaps with what to fix."""
        with reader() as session:
            report = fair_report(session, _backend(), _query({**args, "scope": "all", "type": []}))
        if args.get("format") == "csv":
            return csv_answer(fair_csv_rows(report), "fair.csv")
        return report


@blp.route("/snapshots")
class Snapshots(MethodView):
    @blp.response(200, SnapshotSummarySchema(many=True))
    def get(self) -> Any:
        """Frozen yearly figures, newest first (``catalogue report snapshot``)."""
        with reader() as session:
            return list_snapshots(session)


@blp.route("/snapshots/<id:snapshot_id>")
class Snapshot(MethodView):
    @blp.response(200, SnapshotSchema)
    def get(self, snapshot_id: int) -> Any:
        """One snapshot: the reports for its year as they were on the day it was taken."""
        with reader() as session:
            found = session.get(ReportSnapshot, snapshot_id)
            if found is None:
                raise NotFound(f"No snapshot {snapshot_id}.")
            return found


worklists_blp = Blueprint(
    "worklists",
    __name__,
    url_prefix="/api/worklists",
    description="What to act on next: " + "; ".join(f"{k}: {v}" for k, v in WORKLISTS.items()),
)


@worklists_blp.route("/<name>")
class Worklist(MethodView):
    @worklists_blp.arguments(WorklistArgsSchema, location="query")
    @worklists_blp.response(200, WorklistSchema)
    @worklists_blp.alt_response(404, description="No such worklist")
    def get(self, args: dict[str, Any], name: str) -> Any:
        """One page of a worklist (taverne, embargoes, unknown, fair, duplicates); ``format=csv``
        gives the whole list as a spreadsheet."""
        if name not in WORKLISTS:
            raise NotFound(f"No worklist {name!r}; there are {', '.join(WORKLISTS)}.")
        as_csv = args["format"] == "csv"
        with reader() as session:
            page = worklist(
                session,
                name,
                date.today(),
                days=args["days"],
                themes=tuple(args["theme"]),
                departments=tuple(args["department"]),
                page=1 if as_csv else args["page"],
                size=100_000 if as_csv else args["size"],
            )
        if as_csv:
            columns = ["id", "kind", "title", "doi", "publication_year"]
            extra = sorted({key for item in page["items"] for key in item} - set(columns))
            rows = [columns + extra] + [
                [_cell(item.get(key)) for key in columns + extra] for item in page["items"]
            ]
            return csv_answer(rows, f"{name}.csv")
        return page


def _cell(value: Any) -> Any:
    return "; ".join(map(str, value)) if isinstance(value, list) else value
