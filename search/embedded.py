"""The embedded search backend: SQLite FTS5 and in-memory bitmaps, so the catalogue searches
with no services.

It keeps the same contract as the Elasticsearch backend (indices behind an alias, external
versions, the same filters, facets, sorts and user query syntax), checked by the same contract
tests.  What it deliberately does less, and the README says so: relevance is FTS5's BM25 with the
same field weights rather than Lucene's scoring, deep paging with ``after`` is an offset, and
highlighting marks whole words.

How it is fast: SQLite holds the documents and the full text (FTS5, sharing each document's
rowid); filters, permissions and facet counts run on Roaring bitmaps of the terms
(:mod:`search.postings`), kept in step with SQLite by a generation number; sorted listings
walk an order of all documents read once per generation.  Writes go through one connection,
searches read through pooled connections of their own: with SQLite's write-ahead log a
search never holds up a write, nor a write a search.
"""

from __future__ import annotations

import html
import itertools
import json
import logging
import queue
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from pyroaring import BitMap

from search.postings import CONCEPT, LATEST, OWNER, STATUS, Change, Postings, Term
from search.query import (
    FACET_SIZE,
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

log = logging.getLogger(__name__)

TEXT_COLUMNS = ("title", "keywords", "creators", "description", "journal")
WEIGHTS = (3.0, 2.0, 2.0, 1.0, 1.0)  # the same boosts as the Elasticsearch query
_MARK_OPEN, _MARK_CLOSE = "\x01", "\x02"
_TOKEN = re.compile(r'[+-]?"[^"]*"?|\||[^\s|]+')
# Bumped when the tables change; an older file is emptied and filled again by a reindex.
LAYOUT = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS aliases (alias TEXT PRIMARY KEY, index_name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS generation (one INTEGER PRIMARY KEY CHECK (one = 1), value INTEGER);
INSERT OR IGNORE INTO generation VALUES (1, 0);
CREATE TABLE IF NOT EXISTS documents (
    doc INTEGER PRIMARY KEY,  -- also the rowid of the document's full text in 'texts'
    index_name TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL,
    generation INTEGER NOT NULL,  -- the write that last changed the row
    deleted INTEGER NOT NULL DEFAULT 0, kind TEXT, publication_date TEXT, title_sort TEXT,
    terms TEXT,  -- JSON [[group, term], ...]: what search.postings indexes
    record TEXT,
    UNIQUE (index_name, id)
);
CREATE INDEX IF NOT EXISTS documents_changed ON documents (index_name, generation);
CREATE VIRTUAL TABLE IF NOT EXISTS texts USING fts5(
    title, keywords, creators, description, journal,
    tokenize = 'unicode61 remove_diacritics 2'
);
"""
IDLE_READERS = 8  # reading connections kept open between searches
OLD_TABLES = ("aliases", "generation", "documents", "facet_values", "texts")
ORDERS = {
    "newest": "publication_date IS NULL, publication_date DESC, id",
    "oldest": "publication_date IS NULL, publication_date, id",
    "title": "title_sort, id",
}


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
        self.alias = f"{index_prefix}-records"
        self._folder: Path | None = None
        if str(path) == ":memory:":  # one database shared by this backend's connections
            self._target = f"file:embedded-{uuid.uuid4().hex}?mode=memory&cache=shared"
        else:
            self._folder = Path(path).resolve().parent
            self._target = Path(path).resolve().as_uri()
        self._open_lock = threading.Lock()
        self._write_lock = threading.Lock()  # one writer at a time (SQLite's rule too)
        self._writer_db: sqlite3.Connection | None = None
        self._idle: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._postings_lock = threading.Lock()
        self._postings: Postings | None = None
        self._orders: dict[str, tuple[int, list[int]]] = {}  # sort -> (generation, docs)

    @property
    def _db(self) -> sqlite3.Connection:
        """The one connection that writes; the file and its tables are made on first use,
        so merely configuring the backend creates nothing on disk."""
        if self._writer_db is None:
            with self._open_lock:
                if self._writer_db is None:
                    if self._folder is not None:
                        self._folder.mkdir(parents=True, exist_ok=True)
                    db = self._connect()
                    self._prepare(db)
                    self._writer_db = db
        return self._writer_db

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(
            self._target, uri=True, check_same_thread=False, isolation_level=None, timeout=30
        )
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # a projection: a reindex rebuilds it
        return db

    @staticmethod
    def _prepare(db: sqlite3.Connection) -> None:
        layout = db.execute("PRAGMA user_version").fetchone()[0]
        if layout != LAYOUT:
            found = db.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'documents'"
            ).fetchone()[0]
            if found:
                log.warning(
                    "The embedded search index has an older layout; it starts empty. "
                    "Run `catalogue search reindex` to fill it."
                )
            for table in OLD_TABLES:
                db.execute(f"DROP TABLE IF EXISTS {table}")
        db.executescript(SCHEMA)
        db.execute(f"PRAGMA user_version = {LAYOUT}")

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for reading, from a pool: readers never wait for the writer, and a
        server that starts a thread per request does not open a connection per thread."""
        _ = self._db  # the tables exist before anyone reads them
        try:
            db = self._idle.get_nowait()
        except queue.Empty:
            db = self._connect()
        try:
            yield db
        finally:
            if self._idle.qsize() < IDLE_READERS:
                self._idle.put(db)
            else:
                db.close()

    def ping(self) -> tuple[bool, str]:
        """Whether the index file answers, and how many documents it holds."""
        try:
            count = self.count()
        except sqlite3.Error as exc:
            return False, f"embedded (SQLite FTS5): {exc}"
        return True, f"embedded (SQLite FTS5), {count} documents"

    # -- indices -------------------------------------------------------------------------

    def create_index(self) -> str:
        return f"{self.alias}-v1-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"

    def current_index(self) -> str | None:
        with self._reading() as db:
            return self._current_index(db)

    def _current_index(self, db: sqlite3.Connection) -> str | None:
        found = db.execute("SELECT index_name FROM aliases WHERE alias = ?", (self.alias,))
        row = found.fetchone()
        return str(row[0]) if row else None

    def ensure_index(self) -> str:
        current = self.current_index()
        if current is not None:
            return current
        with self._write_lock, self._transaction():
            current = self._current_index(self._db)
            if current is None:
                current = self.create_index()
                self._db.execute("INSERT INTO aliases VALUES (?, ?)", (self.alias, current))
        return current

    def owned_indices(self) -> list[str]:
        with self._reading() as db:
            rows = db.execute("SELECT DISTINCT index_name FROM documents").fetchall()
        names = {str(row[0]) for row in rows}
        current = self.current_index()
        return sorted(names | ({current} if current else set()))

    def swap_alias(self, new_index: str) -> list[str]:
        old = [name for name in self.owned_indices() if name != new_index]
        with self._write_lock, self._transaction():
            self._db.execute(
                "INSERT INTO aliases VALUES (?, ?) ON CONFLICT (alias) DO UPDATE "
                "SET index_name = excluded.index_name",
                (self.alias, new_index),
            )
            for name in old:
                self._db.execute(
                    "DELETE FROM texts WHERE rowid IN "
                    "(SELECT doc FROM documents WHERE index_name = ?)",
                    (name,),
                )
                self._db.execute("DELETE FROM documents WHERE index_name = ?", (name,))
            self._next_generation()
        return old

    def drop_indices(self) -> None:
        """Delete every index this backend owns (tests, and starting over)."""
        with self._write_lock, self._transaction():
            for table in ("aliases", "documents", "texts"):
                self._db.execute(f"DELETE FROM {table}")
            self._next_generation()

    def refresh(self, index: str | None = None) -> None:
        """Writes are visible as soon as they commit."""

    def prepare_for_bulk_load(self, index: str) -> None:
        """Nothing to tune: each chunk is one transaction."""

    def finish_bulk_load(self, index: str) -> None:
        """Nothing to undo."""

    # -- writing -------------------------------------------------------------------------

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    def _next_generation(self) -> int:
        row = self._db.execute("UPDATE generation SET value = value + 1 RETURNING value")
        return int(row.fetchone()[0])

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
        stream = iter(actions)
        while chunk := list(itertools.islice(stream, chunk_size)):
            with self._write_lock, self._transaction():
                generation = self._next_generation()
                for action in chunk:
                    self._write_one(target, action, generation, report)
        return report

    def _write_one(self, index: str, action: Action, generation: int, report: BulkReport) -> None:
        db = self._db
        row = db.execute(
            "SELECT doc, version FROM documents WHERE index_name = ? AND id = ?",
            (index, action.id),
        ).fetchone()
        if row is not None and row[1] > action.version:
            report.stale += 1  # external_gte: an older version changes nothing
            return
        if row is not None:
            db.execute("DELETE FROM texts WHERE rowid = ?", (row[0],))
        if isinstance(action, DeleteAction):
            # A tombstone keeps the version, so a late older write stays refused.
            db.execute(
                "INSERT INTO documents (index_name, id, version, generation, deleted) "
                "VALUES (?, ?, ?, ?, 1) ON CONFLICT (index_name, id) DO UPDATE SET "
                "version = excluded.version, generation = excluded.generation, deleted = 1, "
                "kind = NULL, publication_date = NULL, title_sort = NULL, terms = NULL, "
                "record = NULL",
                (index, action.id, action.version, generation),
            )
        elif isinstance(action, IndexAction):
            self._put(index, action, generation)
        report.written += 1

    def _put(self, index: str, action: IndexAction, generation: int) -> None:
        doc = action.document if isinstance(action.document, dict) else json.loads(action.document)
        found = self._db.execute(
            "INSERT INTO documents VALUES (NULL, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?) "
            "ON CONFLICT (index_name, id) DO UPDATE SET version = excluded.version, "
            "generation = excluded.generation, deleted = 0, kind = excluded.kind, "
            "publication_date = excluded.publication_date, title_sort = excluded.title_sort, "
            "terms = excluded.terms, record = excluded.record RETURNING doc",
            (
                index,
                action.id,
                action.version,
                generation,
                doc.get("kind"),
                doc.get("publication_date"),
                (doc.get("title") or "").lower(),
                orjson.dumps(_terms(doc)).decode(),
                record_text(doc.get("record", {})),
            ),
        )
        rowid = found.fetchone()[0]
        texts = []
        for column in TEXT_COLUMNS:
            value = doc.get(column)
            texts.append(" ; ".join(value) if isinstance(value, list) else (value or ""))
        self._db.execute(
            "INSERT INTO texts (rowid, title, keywords, creators, description, "
            "journal) VALUES (?, ?, ?, ?, ?, ?)",
            (rowid, *texts),
        )

    # -- reading -------------------------------------------------------------------------

    def versions(self, index: str | None = None, page: int = 5000) -> Iterator[tuple[str, int]]:
        name = index or self.current_index()
        after = ""
        while True:  # in pages: a long listing holds no read transaction open
            with self._reading() as db:
                rows = db.execute(
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
        with self._reading() as db:
            row = db.execute(
                "SELECT count(*) FROM documents WHERE index_name = ? AND deleted = 0", (index,)
            ).fetchone()
        return int(row[0])

    def _current_postings(self) -> Postings:
        """The term bitmaps of the current index, brought up to date with SQLite.

        Called with ``_postings_lock`` held.  The generation and the rows changed since the
        last one are read in one read transaction, so they agree.
        """
        with self._reading() as db, _Transaction(db):
            index = self._current_index(db) or ""
            generation = int(db.execute("SELECT value FROM generation").fetchone()[0])
            postings = self._postings
            if postings is None or postings.index != index:
                postings = self._postings = Postings(index)
                self._orders.clear()
            if generation != postings.generation:
                rows = db.execute(
                    "SELECT doc, deleted, terms FROM documents "
                    "WHERE index_name = ? AND generation > ?",
                    (index, postings.generation),
                )
                postings.apply(
                    (
                        Change(doc, None if deleted else [tuple(t) for t in orjson.loads(terms)])
                        for doc, deleted, terms in rows
                    ),
                    generation,
                )
        return postings

    def _order(self, sort: str, postings: Postings) -> list[int]:
        """Every live document of the index in ``sort`` order, read once per generation."""
        known = self._orders.get(sort)
        if known is not None and known[0] == postings.generation:
            return known[1]
        with self._reading() as db:
            rows = db.execute(
                f"SELECT doc FROM documents WHERE index_name = ? AND deleted = 0 "
                f"ORDER BY {ORDERS[sort]}",
                (postings.index,),
            )
            docs = [row[0] for row in rows]
        self._orders[sort] = (postings.generation, docs)
        return docs

    def _matching_text(self, query: str, ranked: bool) -> list[int]:
        """The documents matching an FTS5 query; ``ranked``: best first (BM25 with the field
        weights), which costs FTS5 several times more than the matches alone."""
        weights = ", ".join(str(w) for w in WEIGHTS)
        order = f" ORDER BY bm25(texts, {weights})" if ranked else ""
        with self._reading() as db:
            rows = db.execute(f"SELECT rowid FROM texts WHERE texts MATCH ?{order}", (query,))
            return [row[0] for row in rows]

    def search(self, request: SearchRequest) -> SearchResult:
        self.ensure_index()
        must, must_not = fts_query(request.text)
        by_relevance = request.sort == "relevance"
        # Full text first, outside the lock: FTS5 is the slow part of a text search.
        texts = self._matching_text(must, ranked=by_relevance) if must else None
        if must is None and must_not is None and request.text.strip(" *"):
            texts = []  # text with nothing to search for (`-`, `\\`) finds nothing, as in ES
        excluded = BitMap(self._matching_text(must_not, ranked=False)) if must_not else None
        with self._postings_lock:
            postings = self._current_postings()
            base = _visible(postings, request)
            if texts is not None:
                base &= BitMap(texts)
            if excluded is not None:
                base -= excluded
            chosen = {
                facet: postings.any_of(facet, values)
                for facet, values in request.filters.items()
                if values
            }
            matches = BitMap.intersection(base, *chosen.values()) if chosen else base
            offset = int(request.after[0]) if request.after else (request.page - 1) * request.size
            if texts is not None and by_relevance:
                order: Iterable[int] = texts
            else:  # by relevance without text: newest first, as Elasticsearch does
                order = self._order("newest" if by_relevance else request.sort, postings)
            page = list(
                itertools.islice(filter(matches.__contains__, order), offset, offset + request.size)
            )
            facets = _facets(postings, base, chosen, matches) if request.facets else {}
        hits = self._hits(page, must)
        next_after = (offset + len(hits),) if len(hits) == request.size else None
        return SearchResult(total=len(matches), hits=hits, facets=facets, next_after=next_after)

    def _hits(self, docs: list[int], text_query: str | None) -> list[Hit]:
        if not docs:
            return []
        marks = ",".join("?" * len(docs))
        marked: dict[int, tuple[str | None, str | None]] = {}
        with self._reading() as db:
            rows = {
                doc: (id, kind, record)
                for doc, id, kind, record in db.execute(
                    f"SELECT doc, id, kind, record FROM documents WHERE doc IN ({marks})", docs
                )
            }
            if text_query:
                for doc, title, description in db.execute(
                    f"SELECT rowid, highlight(texts, 0, '{_MARK_OPEN}', '{_MARK_CLOSE}'), "
                    f"snippet(texts, 3, '{_MARK_OPEN}', '{_MARK_CLOSE}', '…', 30) FROM texts "
                    f"WHERE texts MATCH ? AND rowid IN ({marks})",
                    [text_query, *docs],
                ):
                    marked[doc] = (title, description)
        hits = []
        for doc in docs:
            if doc not in rows:  # deleted since the bitmaps were read
                continue
            id, kind, record = rows[doc]
            hits.append(
                Hit(
                    id=id,
                    kind=kind,
                    record_json=record,
                    highlights=_highlights(*marked.get(doc, (None, None))),
                )
            )
        return hits

    def suggest(self, prefix: str, visibility: Visibility, size: int = 10) -> list[Suggestion]:
        words = re.findall(r"\w+", prefix)
        if not words:
            return []
        request = SearchRequest(
            visibility=visibility,
            text=" ".join(f"{w}*" for w in words),
            size=size * 3,
            facets=False,
        )
        result = self.search(request)
        return pick_suggestions(prefix, [candidate(hit.record) for hit in result.hits], size)

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().close()
        if self._writer_db is not None:
            self._writer_db.close()
            self._writer_db = None


class _Transaction:
    """BEGIN (IMMEDIATE for the writer) ... COMMIT, or ROLLBACK on any error."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN")
        return self.db

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        self.db.execute("ROLLBACK" if error is not None else "COMMIT")


def _terms(doc: dict[str, Any]) -> list[Term]:
    """What a document is filtered and counted by: its facet values, status, owner, work."""
    terms: list[Term] = []
    for facet, field in FACETS.items():
        values = doc.get(field)
        for value in values if isinstance(values, list) else [values]:
            if value is not None:
                terms.append((facet, str(value)))
    terms.append((STATUS, str(doc.get("status"))))
    if doc.get("owner_id") is not None:
        terms.append((OWNER, str(doc["owner_id"])))
    if doc.get("concept_id") is not None:
        terms.append((CONCEPT, str(doc["concept_id"])))
    if doc.get("is_latest"):
        terms.append((LATEST, "1"))
    return terms


def _visible(postings: Postings, request: SearchRequest) -> BitMap:
    """Permissions, status and current-version filters: the documents a request starts from."""
    visibility = request.visibility
    seen = postings.alive - postings.get(STATUS, "draft")
    if visibility.owner_id is not None:
        seen |= postings.get(OWNER, visibility.owner_id)
    seen |= postings.any_of("kind", visibility.all_drafts_of)
    seen |= postings.any_of(CONCEPT, visibility.concepts)
    found = seen & postings.any_of(STATUS, request.statuses)
    if request.owner_only:
        found &= postings.get(OWNER, visibility.owner_id or "-")
    elif request.statuses == ("published",):
        found &= postings.get(LATEST, "1")
    return found


def _facets(
    postings: Postings, base: BitMap, chosen: dict[str, BitMap], matches: BitMap
) -> dict[str, list[FacetValue]]:
    """Facet counts, multi-select style: each facet counts within every filter but its own."""
    facets: dict[str, list[FacetValue]] = {}
    for facet in FACETS:
        within = matches
        if facet in chosen:
            others = [bitmap for other, bitmap in chosen.items() if other != facet]
            within = BitMap.intersection(base, *others) if others else base
        if facet == "year":  # a histogram: every year, newest first
            counted = postings.counts(facet, within, size=10_000)
            counted.sort(key=lambda pair: pair[0], reverse=True)
            counted = counted[:FACET_SIZE]
        else:  # like Elasticsearch's terms aggregation: most frequent first
            counted = postings.counts(facet, within, size=FACET_SIZE)
        facets[facet] = [FacetValue(key=key, count=count) for key, count in counted]
    return facets


def _highlights(title: str | None, description: str | None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for field, marked in (("title", title), ("description", description)):
        if marked and _MARK_OPEN in marked:
            escaped = html.escape(marked, quote=False)
            found[field] = [escaped.replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")]
    return found
