"""Report counting in Elasticsearch: size-0 searches whose aggregations count records.

The catalogue builds its reports from the rows these return
(``catalogue.services.reports``), exactly
as it does from its SQL ``GROUP BY``: one report, two ways to count.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

UNCLASSIFIED = "unclassified"
T = TypeVar("T")


@dataclass(frozen=True)
class ReportQuery:
    scope: str = "peer-reviewed-articles"
    themes: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    group_by: str | None = None
    # Records counted through another one, left out (a preprint of a published article in
    # the catalogue: the work is counted once, as its article).
    left_out: tuple[str, ...] = ()
    # Count the themes the rules suggested (not yet confirmed by a person) as themes too:
    # in the theme filter and the grouping by theme.
    include_suggested: bool = False

    @property
    def theme_field(self) -> str:
        """The search field holding the themes this query counts."""
        return "all_themes" if self.include_suggested else "themes"


@dataclass(frozen=True)
class Row:
    group: str | None
    year: int
    status: str
    category: str
    count: int


# -- counting with Elasticsearch ----------------------------------------------------------------

_ES_GROUP_FIELD = {"department": "departments", "type": "resource_type"}


def _filters(query: ReportQuery, kind: str) -> list[dict[str, Any]]:
    """Published current versions of ``kind`` within the query's scope and filters."""
    filters: list[dict[str, Any]] = [
        {"term": {"kind": kind}},
        {"term": {"status": "published"}},
        {"term": {"is_latest": True}},
        {"exists": {"field": "publication_year"}},
    ]
    if kind == "publication" and query.scope in {"peer-reviewed-articles", "articles"}:
        filters.append({"term": {"resource_type": "JournalArticle"}})
    if kind == "publication" and query.scope == "peer-reviewed-articles":
        filters.append({"term": {"peer_reviewed": True}})
    for field_name, values in (
        ("resource_type", query.types),
        (query.theme_field, query.themes),
        ("departments", query.departments),
    ):
        if values:
            filters.append({"terms": {field_name: list(values)}})
    years: dict[str, int] = {}
    if query.year_from is not None:
        years["gte"] = query.year_from
    if query.year_to is not None:
        years["lte"] = query.year_to
    if years:
        filters.append({"range": {"publication_year": years}})
    if query.left_out:
        filters.append({"bool": {"must_not": {"ids": {"values": list(query.left_out)}}}})
    return filters


def open_access_search_body(query: ReportQuery) -> dict[str, Any]:
    """A size-0 search whose aggregations count (group, year, status, category)."""
    filters = _filters(query, "publication")
    by_status = {
        "terms": {"field": "open_access", "size": 20, "missing": UNCLASSIFIED},
        "aggs": {
            "category": {"terms": {"field": "oa_category", "size": 20, "missing": UNCLASSIFIED}}
        },
    }
    return _per_year_search(query, filters, {"status": by_status})


def _group_field(query: ReportQuery) -> str:
    if query.group_by == "theme":
        return query.theme_field
    return _ES_GROUP_FIELD[str(query.group_by)]


def _per_year_search(
    query: ReportQuery, filters: list[dict[str, Any]], per_year: dict[str, Any]
) -> dict[str, Any]:
    """A size-0 search: ``per_year`` aggregations in each year (within each group)."""
    aggs: dict[str, Any] = {
        "year": {"terms": {"field": "publication_year", "size": 1000}, "aggs": per_year}
    }
    if query.group_by:
        aggs = {
            "group": {
                "terms": {"field": _group_field(query), "size": 1000},
                "aggs": aggs,
            }
        }
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {"bool": {"filter": filters}},
        "aggs": aggs,
    }


def _per_group(
    aggregations: dict[str, Any], years: Callable[[dict[str, Any], str | None], Iterable[T]]
) -> list[T]:
    """What ``years`` makes of each group's (or the only) year buckets."""
    if "group" in aggregations:
        return [
            item
            for bucket in aggregations["group"]["buckets"]
            for item in years(bucket, str(bucket["key"]))
        ]
    return list(years(aggregations, None))


def open_access_rows_from_aggregations(aggregations: dict[str, Any]) -> list[Row]:
    def years(node: dict[str, Any], group: str | None) -> Iterable[Row]:
        for year in node["year"]["buckets"]:
            for status in year["status"]["buckets"]:
                for category in status["category"]["buckets"]:
                    yield Row(
                        group,
                        int(year["key"]),
                        str(status["key"]),
                        str(category["key"]),
                        int(category["doc_count"]),
                    )

    return _per_group(aggregations, years)


@dataclass
class FairCell:
    """What the FAIR report counts for one (group, year): sums in tenths of a percent."""

    group: str | None
    year: int
    datasets: int = 0
    essential: int = 0
    sums: dict[str, int] = field(default_factory=dict)
    buckets: dict[int, int] = field(default_factory=dict)
    gaps: dict[str, int] = field(default_factory=dict)


FAIR_SUMS = {
    "score": "fair_score10",
    "F": "fair_f10",
    "A": "fair_a10",
    "I": "fair_i10",
    "R": "fair_r10",
}


def fair_search_body(query: ReportQuery) -> dict[str, Any]:
    filters = [*_filters(query, "dataset"), {"exists": {"field": "fair_score10"}}]
    per_year: dict[str, Any] = {
        "essential": {"filter": {"term": {"fair_essential": True}}},
        "bucket": {"terms": {"field": "fair_bucket", "size": 20}},
        "gaps": {"terms": {"field": "fair_gaps", "size": 200}},
        **{name: {"sum": {"field": source}} for name, source in FAIR_SUMS.items()},
    }
    return _per_year_search(query, filters, per_year)


def fair_cells_from_aggregations(aggregations: dict[str, Any]) -> list[FairCell]:
    def years(node: dict[str, Any], group: str | None) -> Iterable[FairCell]:
        for year in node["year"]["buckets"]:
            yield FairCell(
                group=group,
                year=int(year["key"]),
                datasets=int(year["doc_count"]),
                essential=int(year["essential"]["doc_count"]),
                sums={name: round(year[name]["value"]) for name in FAIR_SUMS},
                buckets={int(b["key"]): int(b["doc_count"]) for b in year["bucket"]["buckets"]},
                gaps={str(b["key"]): int(b["doc_count"]) for b in year["gaps"]["buckets"]},
            )

    return _per_group(aggregations, years)
