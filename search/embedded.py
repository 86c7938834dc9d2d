"""The embedded search backend: SQLite FTS5, so the catalogue searches with no services.

It keeps the same contract as the Elasticsearch backend (indices behind an alias, external
versions, the same filters, facets, sorts and user query syntax), checked by the same contract
tests.  What it deliberately does less, and the README says so: relevance is FTS5's BM25 with the
same field weights rather than Lucene's scoring, deep paging with ``after`` is an offset, and
highlighting marks whole words.
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from search.query import (
    FACETS,
    Action,
    BulkReport,
    DeleteAction,
    FacetValue,
    Hit,
    IndexAction,
    SearchRequest,
    SearchResult,
    Suggestion,
    Visibility,
    record_text,
)
from search.suggest import candidate, pick_suggestions

TEXT_COLUMNS = ("title", "keywords", "creators", "description", "journal")
WEIGHTS = (3.0, 2.0, 2.0, 1.0, 1.0)  # the same boosts as the Elasticsearch query
_MARK_OPEN, _MARK_CLOSE = "\x01", "\x02"
_TOKEN = re.compile(r'[+-]?"[^"]*"?|\||[^\s|]+')

SCHEMA = """
CREATE TABLE IF NOT EXISTS aliases (alias TEXT PRIMARY KEY, index_name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    index_name TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0, kind TEXT, status TEXT, is_latest INTEGER,
    owner_id TEXT, publication_date TEXT, title_sort TEXT, record TEXT,
    PRIMARY KEY (index_name, id)
);
CREATE TABLE IF NOT EXISTS facet_values (
    index_name TEXT NOT NULL, id TEXT NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS facet_lookup ON facet_values (index_name, facet, value, id);
CREATE INDEX IF NOT EXISTS facet_of ON facet_values (index_name, id);
CREATE VIRTUAL TABLE IF NOT EXISTS texts USING fts5(
    index_name UNINDEXED, id UNINDEXED, title, keywords, creators, description, journal,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""


def fts_query(text: str) -> tuple[str | None, str | None]:
    """Translate the user syntax into FTS5: (what must match, what must not).

    The same syntax as ``simple_query_string``: words are all required, ``"a phrase"``,
    ``-word`` excludes, ``word*`` is a prefix, ``a | b`` is either.  Every term is quoted, so
    nothing a user types can break the query or reach FTS5's own operators.
    """
    positives: list[list[str]] = [[]]
    negatives: list[str] = []
    for token in _TOKEN.findall(text):
        if token == "|":
            positives.append([])
            continue
        negate = token.startswith("-")
        token = token.lstrip("+-")
        words = re.findall(r"\w+", token, flags=re.UNICODE)
        if not words:
            continue
        if token.startswith('"'):  # a phrase
            terms = ['"' + " ".join(words) + '"']
        else:  # like the standard analyzer: 'NEAR(a' is the two words near and a
            terms = [f'"{word}"' for word in words]
            if token.endswith("*"):
                terms[-1] += "*"
        (negatives if negate else positives[-1]).extend(terms)
    groups = [" AND ".join(group) for group in positives if group]
    must = " OR ".join(f"({group})" for group in groups) if groups else None
    must_not = " OR ".join(negatives) if negatives else None
    return must, must_not


class EmbeddedBackend:
    def __init__(self, path: str | Path, index_prefix: str = "catalogue") -> None:
        self.path = str(path)
        self.alias = f"{index_prefix}-records"
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()  # one connection, shared by the app's threads
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    # -- indices -------------------------------------------------------------------------

    def create_index(self) -> str:
        return f"{self.alias}-v1-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"

    def current_index(self) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT index_name FROM aliases WHERE alias = ?", (self.alias,))
            found = row.fetchone()
        return str(found[0]) if found else None

    def ensure_index(self) -> str:
        with self._lock:
            current = self.current_index()
            if current is None:
                current = self.create_index()
                self._db.execute("INSERT INTO aliases VALUES (?, ?)", (self.alias, current))
            return current

    def owned_indices(self) -> list[str]:
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT index_name FROM documents").fetchall()
        names = {str(row[0]) for row in rows}
        current = self.current_index()
        return sorted(names | ({current} if current else set()))

    def swap_alias(self, new_index: str) -> list[str]:
        with self._lock:
            old = [name for name in self.owned_indices() if name != new_index]
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT INTO aliases VALUES (?, ?) ON CONFLICT (alias) DO UPDATE "
                "SET index_name = excluded.index_name",
                (self.alias, new_index),
            )
            for name in old:
                for table in ("documents", "facet_values", "texts"):
                    self._db.execute(f"DELETE FROM {table} WHERE index_name = ?", (name,))
            self._db.execute("COMMIT")
        return old

    def drop_indices(self) -> None:
        """Delete every index this backend owns (tests, and starting over)."""
        with self._lock:
            for table in ("aliases", "documents", "facet_values", "texts"):
                self._db.execute(f"DELETE FROM {table}")

    def refresh(self, index: str | None = None) -> None:
        """Writes are visible as soon as they commit."""

    def prepare_for_bulk_load(self, index: str) -> None:
        """Nothing to tune: each chunk is one transaction."""

    def finish_bulk_load(self, index: str) -> None:
        """Nothing to undo."""

    # -- writing -------------------------------------------------------------------------

    def write(
        self,
        actions: Iterable[Action],
        index: str | None = None,
        chunk_size: int = 500,
        refresh: bool = False,
    ) -> BulkReport:
        """Write in transactions of ``chunk_size``; visible on commit, so ``refresh`` is moot."""
        report = BulkReport()
        target = index or self.ensure_index()
        chunk: list[Action] = []
        for action in actions:
            chunk.append(action)
            if len(chunk) >= chunk_size:
                self._write_chunk(target, chunk, report)
                chunk = []
        if chunk:
            self._write_chunk(target, chunk, report)
        return report

    def _write_chunk(self, index: str, actions: list[Action], report: BulkReport) -> None:
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                for action in actions:
                    row = db.execute(
                        "SELECT version FROM documents WHERE index_name = ? AND id = ?",
                        (index, action.id),
                    ).fetchone()
                    if row is not None and row[0] > action.version:
                        report.stale += 1  # external_gte: an older version changes nothing
                        continue
                    db.execute(
                        "DELETE FROM facet_values WHERE index_name = ? AND id = ?",
                        (index, action.id),
                    )
                    db.execute(
                        "DELETE FROM texts WHERE index_name = ? AND id = ?", (index, action.id)
                    )
                    if isinstance(action, DeleteAction):
                        # A tombstone keeps the version, so a late older write stays refused.
                        db.execute(
                            "INSERT INTO documents (index_name, id, version, deleted) "
                            "VALUES (?, ?, ?, 1) ON CONFLICT (index_name, id) DO UPDATE SET "
                            "version = excluded.version, deleted = 1, record = NULL",
                            (index, action.id, action.version),
                        )
                    elif isinstance(action, IndexAction):
                        self._put(index, action)
                    report.written += 1
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _put(self, index: str, action: IndexAction) -> None:
        doc = action.document if isinstance(action.document, dict) else json.loads(action.document)
        self._db.execute(
            "INSERT INTO documents VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (index_name, id) DO UPDATE SET version = excluded.version, deleted = 0, "
            "kind = excluded.kind, status = excluded.status, is_latest = excluded.is_latest, "
            "owner_id = excluded.owner_id, publication_date = excluded.publication_date, "
            "title_sort = excluded.title_sort, record = excluded.record",
            (
                index,
                action.id,
                action.version,
                doc.get("kind"),
                doc.get("status"),
                1 if doc.get("is_latest") else 0,
                doc.get("owner_id"),
                doc.get("publication_date"),
                (doc.get("title") or "").lower(),
                record_text(doc.get("record", {})),
            ),
        )
        rows = []
        for facet, field in FACETS.items():
            values = doc.get(field)
            for value in values if isinstance(values, list) else [values]:
                if value is not None:
                    rows.append((index, action.id, facet, str(value)))
        self._db.executemany("INSERT INTO facet_values VALUES (?, ?, ?, ?)", rows)
        texts = []
        for column in TEXT_COLUMNS:
            value = doc.get(column)
            texts.append(" ; ".join(value) if isinstance(value, list) else (value or ""))
        self._db.execute(
            "INSERT INTO texts VALUES (?, ?, ?, ?, ?, ?, ?)", (index, action.id, *texts)
        )

    # -- reading -------------------------------------------------------------------------

    def versions(self, index: str | None = None, page: int = 5000) -> Iterator[tuple[str, int]]:
        name = index or self.current_index()
        after = ""
        while True:  # in pages, so other threads get the connection in between
            with self._lock:
                rows = self._db.execute(
                    "SELECT id, version FROM documents WHERE index_name = ? AND deleted = 0 "
                    "AND id > ? ORDER BY id LIMIT ?",
                    (name, after, page),
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield str(row[0]), int(row[1])
            after = str(rows[-1][0])

    def count(self) -> int:
        index = self.ensure_index()
        with self._lock:
            row = self._db.execute(
                "SELECT count(*) FROM documents WHERE index_name = ? AND deleted = 0", (index,)
            ).fetchone()
        return int(row[0])

    def _base(self, request: SearchRequest) -> tuple[str, list[Any]]:
        """Permissions, status and current-version filters, as SQL over ``d``."""
        visibility: Visibility = request.visibility
        clauses = ["d.index_name = ?", "d.deleted = 0"]
        params: list[Any] = [self.current_index()]
        seen = ["d.status != 'draft'"]
        if visibility.owner_id is not None:
            seen.append("d.owner_id = ?")
            params.append(visibility.owner_id)
        if visibility.all_drafts_of:
            kinds = sorted(visibility.all_drafts_of)
            seen.append(f"d.kind IN ({','.join('?' * len(kinds))})")
            params.extend(kinds)
        if visibility.concepts:
            concepts = sorted(visibility.concepts)
            marks = ",".join("?" * len(concepts))
            seen.append(f"json_extract(d.record, '$.concept_id') IN ({marks})")
            params.extend(concepts)
        clauses.append("(" + " OR ".join(seen) + ")")
        clauses.append(f"d.status IN ({','.join('?' * len(request.statuses))})")
        params.extend(request.statuses)
        if request.owner_only:
            clauses.append("d.owner_id = ?")
            params.append(visibility.owner_id or "-")
        elif request.statuses == ("published",):
            clauses.append("d.is_latest = 1")
        must, must_not = fts_query(request.text)
        if must:
            clauses.append("texts MATCH ?")
            params.append(must)
        if must_not:
            clauses.append(
                "d.id NOT IN (SELECT id FROM texts "
                "WHERE texts MATCH ? AND index_name = d.index_name)"
            )
            params.append(must_not)
        return " AND ".join(clauses), params

    @staticmethod
    def _facet_clause(facet: str, values: tuple[str, ...]) -> tuple[str, list[Any]]:
        marks = ",".join("?" * len(values))
        clause = (
            "d.id IN (SELECT id FROM facet_values WHERE index_name = d.index_name "
            f"AND facet = ? AND value IN ({marks}))"
        )
        return clause, [facet, *values]

    def search(self, request: SearchRequest) -> SearchResult:
        self.ensure_index()
        with self._lock:
            return self._search(request)

    def _search(self, request: SearchRequest) -> SearchResult:
        base, params = self._base(request)
        source = "documents d JOIN texts ON texts.index_name = d.index_name AND texts.id = d.id"
        chosen = {facet: values for facet, values in request.filters.items() if values}
        where, where_params = base, list(params)
        for facet, values in chosen.items():
            clause, extra = self._facet_clause(facet, values)
            where += " AND " + clause
            where_params += extra
        total = self._db.execute(
            f"SELECT count(*) FROM {source} WHERE {where}", where_params
        ).fetchone()[0]
        weights = ", ".join(str(w) for w in WEIGHTS)
        text_query = fts_query(request.text)[0]
        order = {
            "relevance": f"bm25(texts, 0, 0, {weights}), d.id" if text_query else None,
            "oldest": "d.publication_date IS NULL, d.publication_date, d.id",
            "title": "d.title_sort, d.id",
        }.get(request.sort) or "d.publication_date IS NULL, d.publication_date DESC, d.id"
        offset = int(request.after[0]) if request.after else (request.page - 1) * request.size
        highlight = (
            f"highlight(texts, 2, '{_MARK_OPEN}', '{_MARK_CLOSE}') AS title_mark, "
            f"snippet(texts, 5, '{_MARK_OPEN}', '{_MARK_CLOSE}', '…', 30) AS description_mark"
            if text_query
            else "NULL AS title_mark, NULL AS description_mark"
        )
        rows = self._db.execute(
            f"SELECT d.id, d.kind, d.record, {highlight} FROM {source} WHERE {where} "
            f"ORDER BY {order} LIMIT ? OFFSET ?",
            [*where_params, request.size, offset],
        ).fetchall()
        hits = [
            Hit(
                id=row["id"],
                kind=row["kind"],
                record_json=row["record"],
                highlights=_highlights(row["title_mark"], row["description_mark"]),
            )
            for row in rows
        ]
        facets: dict[str, list[FacetValue]] = {}
        if request.facets:
            for facet in FACETS:
                facet_where, facet_params = base, list(params)
                for other, values in chosen.items():
                    if other != facet:
                        clause, extra = self._facet_clause(other, values)
                        facet_where += " AND " + clause
                        facet_params += extra
                counted = self._db.execute(
                    f"SELECT f.value, count(*) FROM {source} JOIN facet_values f "
                    f"ON f.index_name = d.index_name AND f.id = d.id AND f.facet = ? "
                    f"WHERE {facet_where} GROUP BY f.value",
                    [facet, *facet_params],
                ).fetchall()
                values_found = [FacetValue(key=str(v), count=int(c)) for v, c in counted]
                if facet == "year":
                    values_found.sort(key=lambda value: value.key, reverse=True)
                else:  # like Elasticsearch's terms aggregation: most frequent first
                    values_found.sort(key=lambda value: (-value.count, value.key))
                facets[facet] = values_found[:50]
        next_after = (offset + len(hits),) if len(hits) == request.size else None
        return SearchResult(total=int(total), hits=hits, facets=facets, next_after=next_after)

    def suggest(self, prefix: str, visibility: Visibility, size: int = 10) -> list[Suggestion]:
        words = re.findall(r"\w+", prefix)
        if not words:
            return []
        self.ensure_index()
        request = SearchRequest(
            visibility=visibility,
            text=" ".join(f"{w}*" for w in words),
            size=size * 3,
            facets=False,
        )
        with self._lock:
            result = self._search(request)
        return pick_suggestions(prefix, [candidate(hit.record) for hit in result.hits], size)

    def close(self) -> None:
        self._db.close()


def _highlights(title: str | None, description: str | None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for field, marked in (("title", title), ("description", description)):
        if marked and _MARK_OPEN in marked:
            escaped = html.escape(marked, quote=False)
            found[field] = [escaped.replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")]
    return found
