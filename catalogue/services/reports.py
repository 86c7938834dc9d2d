"""The reports: how far each year is from *Open Access is the norm* and *research is FAIR*.

Two ways to count, one way to report: Elasticsearch aggregations when Elasticsearch is
configured, a SQL ``GROUP BY`` otherwise.  Both produce the same rows - (group, year,
status, category, count) for Open Access, one ``FairCell`` per (group, year) for FAIR - and
``build_open_access`` and ``build_fair`` turn them into the report, so the two can only
differ in the counting, which a test compares on the same data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import and_, case, exists, func, literal, select, union
from sqlalchemy.orm import Session, aliased

from catalogue.domain.fair import TESTS
from catalogue.domain.openaccess import CATEGORIES, OPEN_STATUSES, STATUSES
from catalogue.domain.terms import REPORT_SCOPES
from catalogue.models import (
    Dataset,
    FairGap,
    Publication,
    Record,
    RelatedIdentifier,
    ReportSnapshot,
    SearchDocument,
    ThemeSuggestion,
)
from catalogue.models.records import record_departments, record_themes
from catalogue.services import documents
from search.reports import (
    FAIR_SUMS,
    UNCLASSIFIED,
    FairCell,
    ReportQuery,
    Row,
    fair_cells_from_aggregations,
    fair_search_body,
    open_access_rows_from_aggregations,
    open_access_search_body,
)


@runtime_checkable
class Aggregating(Protocol):
    """A search backend that can count (Elasticsearch's aggregations); the embedded one cannot,
    and SQL counts instead."""

    def aggregate(self, body: dict[str, Any]) -> dict[str, Any]: ...


def open_access_report(session: Session, backend: object, query: ReportQuery) -> dict[str, Any]:
    """The Open Access report, counted by the search engine where it can, by SQL otherwise;
    a preprint of an article in the catalogue is counted once, as the article."""
    if query.scope == "all" or "Preprint" in query.types:
        query = replace(query, left_out=preprints_of_articles(session))
    if isinstance(backend, Aggregating) and _documents_have(session, query):
        counted = open_access_rows_from_aggregations(
            backend.aggregate(open_access_search_body(query))
        )
        return {**build_open_access(counted, query), "counted_by": "elasticsearch"}
    return {
        **build_open_access(open_access_rows_sql(session, query), query),
        "counted_by": "sql",
    }


def fair_report(session: Session, backend: object, query: ReportQuery) -> dict[str, Any]:
    """The FAIR report, counted by the search engine where it can, by SQL otherwise."""
    if isinstance(backend, Aggregating) and _documents_have(session, query):
        cells = fair_cells_from_aggregations(backend.aggregate(fair_search_body(query)))
        return {**build_fair(cells, query), "counted_by": "elasticsearch"}
    return {**build_fair(fair_cells_sql(session, query), query), "counted_by": "sql"}


def _documents_have(session: Session, query: ReportQuery) -> bool:
    """Whether the search documents hold what this report counts.  Suggested themes are in
    the documents rendered since the format that added them; until a reindex has rendered the
    older ones again (the upgrade's step), SQL counts a report that includes them."""
    if not query.include_suggested:
        return True
    older = select(SearchDocument.record_id).where(SearchDocument.format < documents.FORMAT)
    return not session.scalar(select(exists(older)))


TARGET = 100.0
# National reference figures (docs/domain.md): share Open Access per publication year.
REFERENCE = {
    "dutch_universities": {2016: 42.0, 2017: 50.0, 2019: 62.0, 2020: 73.0, 2021: 82.0},
    "dutch_umcs": {2018: 70.0, 2021: 87.0},
}
DUTCH_OPEN = frozenset({"gold", "hybrid", "green"})


# -- counting with SQL ----------------------------------------------------------------------------


def open_access_rows_sql(session: Session, query: ReportQuery) -> list[Row]:
    override = Publication.oa_override
    status = func.coalesce(override["status"].as_string(), Publication.oa_status, UNCLASSIFIED)
    category = func.coalesce(
        override["category"].as_string(), Publication.oa_category, UNCLASSIFIED
    )
    group, joins = _grouping(query)
    year = Record.publication_year
    statement = select(group, year, status, category, func.count()).select_from(Publication)
    for table, condition in joins:
        statement = statement.join(table, condition)
    statement = statement.where(*_sql_filters(query, "publication"))
    statement = statement.group_by(group, year, status, category)
    return [
        Row(None if g is None else str(g), int(y), str(s), str(c), int(n))
        for g, y, s, c, n in session.execute(statement)
    ]


def _themes(query: ReportQuery, name: str) -> Any:
    """(record_id, theme_id) of the themes the query counts: the record's own, and with
    ``include_suggested`` the suggested ones too (once each)."""
    if not query.include_suggested:
        return record_themes.alias(name)
    suggested = select(ThemeSuggestion.record_id, ThemeSuggestion.theme_id)
    return union(select(record_themes.c.record_id, record_themes.c.theme_id), suggested).subquery(
        name
    )


def _grouping(query: ReportQuery) -> tuple[Any, list[Any]]:
    """The column to group by, and the joins it needs."""
    if query.group_by == "theme":
        themes = _themes(query, "group_themes")
        return themes.c.theme_id, [(themes, themes.c.record_id == Record.id)]
    if query.group_by == "department":
        return record_departments.c.department_id, [
            (record_departments, record_departments.c.record_id == Record.id)
        ]
    if query.group_by == "type":
        return Record.resource_type_id, []
    return literal(None), []


def _sql_filters(query: ReportQuery, kind: str) -> list[Any]:
    conditions: list[Any] = [
        Record.status == "published",
        Record.is_latest.is_(True),
        Record.publication_year.is_not(None),
    ]
    if kind == "publication" and query.scope in {"peer-reviewed-articles", "articles"}:
        conditions.append(Record.resource_type_id == "JournalArticle")
    if kind == "publication" and query.scope == "peer-reviewed-articles":
        conditions.append(Publication.peer_reviewed.is_(True))
    if query.types:
        conditions.append(Record.resource_type_id.in_(query.types))
    # Aliases: grouped by theme (or department) the outer query joins the same table, and the
    # filter must ask its own copy, not correlate to the grouping's row.
    if query.themes:
        themed = _themes(query, "filter_themes")
        conditions.append(
            exists().where(
                and_(themed.c.record_id == Record.id, themed.c.theme_id.in_(query.themes))
            )
        )
    if query.departments:
        placed = record_departments.alias("filter_departments")
        conditions.append(
            exists().where(
                and_(
                    placed.c.record_id == Record.id,
                    placed.c.department_id.in_(query.departments),
                )
            )
        )
    if query.year_from is not None:
        conditions.append(Record.publication_year >= query.year_from)
    if query.year_to is not None:
        conditions.append(Record.publication_year <= query.year_to)
    if query.left_out:
        conditions.append(Record.id.not_in(query.left_out))
    return conditions


def preprints_of_articles(session: Session) -> tuple[str, ...]:
    """Published preprints whose article is published in the catalogue too, linked either way
    (the preprint ``IsVersionOf`` the article's DOI, or the article ``HasVersion`` the
    preprint's): counted once, as the article."""
    preprint, article = aliased(Record), aliased(Record)
    current = [
        preprint.resource_type_id == "Preprint",
        preprint.status == "published",
        preprint.is_latest.is_(True),
        article.resource_type_id != "Preprint",
        article.status == "published",
        article.kind == "publication",
        preprint.kind == "publication",
    ]
    link = RelatedIdentifier
    forward = (
        select(preprint.id)
        .join(link, link.record_id == preprint.id)
        .join(article, article.doi == link.identifier)
        .where(*current, link.scheme == "doi", link.relation_type == "IsVersionOf")
    )
    backward = (
        select(preprint.id)
        .join(link, link.identifier == preprint.doi)
        .join(article, article.id == link.record_id)
        .where(*current, link.scheme == "doi", link.relation_type == "HasVersion")
    )
    return tuple(sorted(set(session.scalars(forward.union(backward)))))


# -- the report --------------------------------------------------------------------------------


def _share(part: int, total: int) -> float | None:
    return round(100 * part / total, 1) if total else None


def build_open_access(rows: Iterable[Row], query: ReportQuery) -> dict[str, Any]:
    """The report from counted rows: per (group and) year, counts per status in both
    schemes, the share open against the target and the national reference figures."""
    cells: dict[tuple[str | None, int], dict[str, dict[str, int]]] = defaultdict(
        lambda: {"status": defaultdict(int), "category": defaultdict(int)}
    )
    for row in rows:
        cell = cells[(row.group, row.year)]
        cell["status"][row.status] += row.count
        cell["category"][row.category] += row.count
    series: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for (group, year), cell in sorted(
        cells.items(), key=lambda item: (item[0][0] or "", item[0][1])
    ):
        total = sum(cell["status"].values())
        statuses = {name: cell["status"].get(name, 0) for name in (*STATUSES, UNCLASSIFIED)}
        categories = {name: cell["category"].get(name, 0) for name in (*CATEGORIES, UNCLASSIFIED)}
        series[group].append(
            {
                "year": year,
                "total": total,
                "international": statuses,
                "dutch": categories,
                "open_share": _share(sum(statuses[s] for s in OPEN_STATUSES), total),
                "dutch_open_share": _share(sum(categories[c] for c in DUTCH_OPEN), total),
                "gap_to_target": None
                if total == 0
                else round(TARGET - 100 * sum(categories[c] for c in DUTCH_OPEN) / total, 1),
                "reference": {name: figures.get(year) for name, figures in REFERENCE.items()},
            }
        )
    report: dict[str, Any] = {
        "scope": query.scope,
        "scope_description": REPORT_SCOPES[query.scope],
        "filters": {
            "theme": list(query.themes),
            "suggested_themes": "include" if query.include_suggested else "exclude",
            "department": list(query.departments),
            "type": list(query.types),
            "year_from": query.year_from,
            "year_to": query.year_to,
        },
        "target": TARGET,
        "open_statuses": sorted(OPEN_STATUSES),
        "dutch_open_categories": sorted(DUTCH_OPEN),
    }
    return _with_series(report, series, query)


def _with_series(
    report: dict[str, Any], series: dict[str | None, list[dict[str, Any]]], query: ReportQuery
) -> dict[str, Any]:
    """The per-year figures: as ``years``, or as ``groups`` of years when grouped."""
    if query.group_by:
        report["group_by"] = query.group_by
        report["groups"] = [
            {"key": key, "years": years}
            for key, years in sorted(series.items(), key=lambda item: item[0] or "")
        ]
    else:
        report["years"] = series.get(None, [])
    return report


def _years_of(report: dict[str, Any]) -> Iterable[tuple[str, dict[str, Any]]]:
    """(group key, year figures) for every year of a report, grouped or not."""
    groups = report.get("groups") or [{"key": "", "years": report.get("years", [])}]
    for group in groups:
        for year in group["years"]:
            yield group["key"], year


def open_access_csv_rows(report: dict[str, Any]) -> Iterable[list[Any]]:
    """The report as CSV rows, header first: one row per (group and) year."""
    header = ["group", "year", "total", *STATUSES, UNCLASSIFIED]
    header += [f"nl_{c}" for c in CATEGORIES] + ["open_share", "dutch_open_share"]
    header += [f"reference_{name}" for name in REFERENCE]
    yield header
    for key, year in _years_of(report):
        yield [
            key,
            year["year"],
            year["total"],
            *(year["international"][s] for s in (*STATUSES, UNCLASSIFIED)),
            *(year["dutch"][c] for c in CATEGORIES),
            year["open_share"],
            year["dutch_open_share"],
            *(year["reference"][name] for name in REFERENCE),
        ]


# -- the FAIR report ------------------------------------------------------------------------------


def fair_cells_sql(session: Session, query: ReportQuery) -> list[FairCell]:
    """Three ``GROUP BY`` queries: counts and sums, score deciles, failed tests."""
    group, joins = _grouping(query)
    year = Record.publication_year
    conditions = [*_sql_filters(query, "dataset"), Dataset.fair_score10.is_not(None)]

    def grouped(*columns: Any, extra_join: Any = None) -> Any:
        statement = select(group, year, *columns).select_from(Dataset)
        for table, condition in joins:
            statement = statement.join(table, condition)
        if extra_join is not None:
            statement = statement.join(*extra_join)
        return statement.where(*conditions)

    cells: dict[tuple[str | None, int], FairCell] = {}
    sums = [func.sum(getattr(Dataset, column)) for column in FAIR_SUMS.values()]
    essential = func.sum(case((Dataset.fair_essential_passed.is_(True), 1), else_=0))
    totals = grouped(func.count(), essential, *sums).group_by(group, year)
    for g, y, count, passed, *values in session.execute(totals):
        key = (None if g is None else str(g), int(y))
        cells[key] = FairCell(
            key[0],
            key[1],
            int(count),
            int(passed),
            dict(zip(FAIR_SUMS, map(int, values), strict=True)),
        )
    deciles = grouped(Dataset.fair_bucket, func.count()).group_by(group, year, Dataset.fair_bucket)
    for g, y, bucket, count in session.execute(deciles):
        cells[(None if g is None else str(g), int(y))].buckets[int(bucket)] = int(count)
    gaps = grouped(
        FairGap.test_id, func.count(), extra_join=(FairGap, FairGap.dataset_id == Dataset.id)
    ).group_by(group, year, FairGap.test_id)
    for g, y, test_id, count in session.execute(gaps):
        cells[(None if g is None else str(g), int(y))].gaps[str(test_id)] = int(count)
    return list(cells.values())


def _mean(total: int, count: int) -> float | None:
    """A mean of tenths of a percent, as a percentage with one decimal."""
    return round(total / count / 10, 1) if count else None


def build_fair(cells: Iterable[FairCell], query: ReportQuery, top: int = 10) -> dict[str, Any]:
    """Per (group and) year: datasets, the share passing every essential indicator (target
    100%), mean score overall and per F, A, I, R, the scores' distribution in deciles and the
    most frequent gaps."""
    series: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for cell in sorted(cells, key=lambda c: (c.group or "", c.year)):
        gaps = sorted(cell.gaps.items(), key=lambda item: (-item[1], item[0]))[:top]
        series[cell.group].append(
            {
                "year": cell.year,
                "datasets": cell.datasets,
                "essential_passed": cell.essential,
                "essential_share": _share(cell.essential, cell.datasets),
                "mean_score": _mean(cell.sums.get("score", 0), cell.datasets),
                "mean_scores": {
                    p: _mean(cell.sums.get(p, 0), cell.datasets) for p in ("F", "A", "I", "R")
                },
                "distribution": {str(d): cell.buckets.get(d, 0) for d in range(0, 100, 10)},
                "top_gaps": [
                    {
                        "test": test,
                        "datasets": count,
                        "share": _share(count, cell.datasets),
                        "hint": TESTS[test].hint if test in TESTS else None,
                    }
                    for test, count in gaps
                ],
            }
        )
    report: dict[str, Any] = {
        "target": TARGET,
        "filters": {
            "theme": list(query.themes),
            "department": list(query.departments),
            "year_from": query.year_from,
            "year_to": query.year_to,
        },
    }
    return _with_series(report, series, query)


def fair_csv_rows(report: dict[str, Any]) -> Iterable[list[Any]]:
    """The FAIR report as CSV rows, header first: one row per (group and) year."""
    deciles = [f"score_{d}_{d + 9}" for d in range(0, 100, 10)]
    yield [
        "group", "year", "datasets", "essential_passed", "essential_share", "mean_score",
        "mean_F", "mean_A", "mean_I", "mean_R", *deciles, "top_gaps",
    ]  # fmt: skip
    for key, year in _years_of(report):
        yield [
            key,
            year["year"],
            year["datasets"],
            year["essential_passed"],
            year["essential_share"],
            year["mean_score"],
            *(year["mean_scores"][p] for p in ("F", "A", "I", "R")),
            *(year["distribution"][str(d)] for d in range(0, 100, 10)),
            "; ".join(f"{gap['test']} ({gap['datasets']})" for gap in year["top_gaps"]),
        ]


# -- snapshots ------------------------------------------------------------------------------------


def list_snapshots(session: Session) -> list[ReportSnapshot]:
    return list(session.scalars(select(ReportSnapshot).order_by(ReportSnapshot.taken_at.desc())))
