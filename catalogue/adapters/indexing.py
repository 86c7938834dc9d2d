"""Keeping the search index equal to the database.

- The **worker** claims outbox rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
  workers share the work), re-reads the current records and bulk-writes them with their
  revision as an external version: replays and out-of-order writes are harmless, and a worker
  killed mid-batch leaves its rows to the next one.  When the engine is down the rows wait,
  with exponential backoff, and their error stays visible.
- **Reindex** streams every record into a fresh index, swaps the alias atomically and replays
  the changes made meanwhile.
- **Verify** compares ids and versions in the database and the index, and repairs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, delete, func, select
from sqlalchemy.orm import Session

from catalogue.adapters import metrics
from catalogue.adapters.db import Database
from catalogue.adapters.outbox_wakeup import Listener
from catalogue.models import OutboxEntry, Record, SearchDocument, utcnow
from catalogue.services import documents
from catalogue.services.records import RecordService, datasets, publications
from search.query import Action, DeleteAction, IndexAction, SearchBackend

log = logging.getLogger(__name__)

SERVICES: dict[str, RecordService[Any]] = {"dataset": datasets, "publication": publications}
MAX_BACKOFF = timedelta(minutes=5)
KEEP_PROCESSED = timedelta(days=1)
# A batch this small (people's edits, not a bulk load) is made searchable at once.
SMALL_BATCH = 50
REPLAY_MARGIN = timedelta(minutes=5)


def _load(session: Session, ids: Iterable[str]) -> dict[str, Record]:
    """The current rows of these records, with everything their documents show."""
    wanted = list(ids)
    found: dict[str, Record] = {}
    for service in SERVICES.values():
        model = service.model
        rows = session.scalars(
            select(model).where(model.id.in_(wanted)).options(*service.eager_options())
        )
        found.update({row.id: row for row in rows})
    return found


def _documents(session: Session, ids: Iterable[str]) -> dict[str, SearchDocument]:
    """The stored documents of these records, rendered now where missing or out of date."""
    wanted = list(ids)
    revisions: dict[str, int] = {
        record_id: revision
        for record_id, revision in session.execute(
            select(Record.id, Record.revision).where(Record.id.in_(wanted))
        )
    }
    found = {
        doc.record_id: doc
        for doc in session.scalars(
            select(SearchDocument).where(SearchDocument.record_id.in_(wanted))
        )
        if doc.revision == revisions.get(doc.record_id) and doc.format == documents.FORMAT
    }
    stale = [record_id for record_id in revisions if record_id not in found]
    for document in documents.store_all(session, list(_load(session, stale).values())):
        found[document.record_id] = document
    return found


def _actions(session: Session, wanted: dict[str, int]) -> list[Action]:
    """Index the current document of each record; delete those that are gone."""
    current = _documents(session, wanted)
    actions: list[Action] = []
    for record_id, revision in wanted.items():
        doc = current.get(record_id)
        if doc is None:
            actions.append(DeleteAction(id=record_id, version=revision + 1))
        else:
            actions.append(IndexAction(record_id, doc.revision, doc.document))
    return actions


@dataclass
class BatchOutcome:
    claimed: int = 0
    written: int = 0
    stale: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _request_ids(rows: Iterable[OutboxEntry], most: int = 20) -> list[str]:
    """The requests that made these changes (the first ``most``), for the log line."""
    return sorted({row.request_id for row in rows if row.request_id})[:most]


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(seconds=2**attempts), MAX_BACKOFF)


class Indexer:
    """Moves changes from the outbox into the search backend."""

    def __init__(
        self,
        db: Database,
        backend: SearchBackend,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.db = db
        self.backend = backend
        # Called after records were indexed (the FAIR Data Point index ping).
        self.on_change = on_change

    def process_batch(
        self,
        limit: int = 500,
        refresh: bool = False,
        refresh_small: bool = False,
        log_level: int = logging.INFO,
    ) -> BatchOutcome:
        """Claim up to ``limit`` ready outbox rows and index their records, in one transaction
        (``refresh_small``: make a batch of at most ``SMALL_BATCH`` searchable at once)."""
        started = time.perf_counter()
        outcome = self._process_batch(limit, refresh, refresh_small, log_level)
        metrics.observe_batch(outcome, time.perf_counter() - started)
        return outcome

    def _process_batch(
        self, limit: int, refresh: bool, refresh_small: bool, log_level: int
    ) -> BatchOutcome:
        outcome = BatchOutcome()
        with self.db.unit_of_work() as session:
            now = utcnow()
            rows = list(
                session.scalars(
                    select(OutboxEntry)
                    .where(OutboxEntry.processed_at.is_(None), OutboxEntry.next_attempt_at <= now)
                    .order_by(OutboxEntry.id)
                    .limit(limit)
                    .with_for_update(skip_locked=True)
                )
            )
            outcome.claimed = len(rows)
            if not rows:
                return outcome
            wanted: dict[str, int] = {}
            for row in rows:
                wanted[row.record_id] = max(row.revision, wanted.get(row.record_id, 0))
            refresh = refresh or (refresh_small and len(rows) <= SMALL_BATCH)
            try:
                report = self.backend.write(_actions(session, wanted), refresh=refresh)
            except Exception as exc:  # the engine is down or refused the request
                self._retry_later(rows, f"{type(exc).__name__}: {exc}"[:2000], now)
                outcome.failed = len(rows)
                outcome.errors.append(type(exc).__name__)
                log.warning(
                    "indexing %d changes failed, will retry: %s (requests %s)",
                    len(rows),
                    exc,
                    ", ".join(_request_ids(rows)) or "-",
                    extra={"changes": len(rows), "request_ids": _request_ids(rows)},
                )
                return outcome
            failed_ids = {error.split(":", 1)[0] for error in report.errors}
            for row in rows:
                if row.record_id in failed_ids:
                    self._retry_later([row], "; ".join(report.errors)[:2000], now)
                    outcome.failed += 1
                else:
                    row.processed_at = now
            outcome.written, outcome.stale = report.written, report.stale
            outcome.errors.extend(report.errors)
            log.log(
                log_level,
                "indexed %d changes: %d written, %d stale, %d failed (requests %s)",
                len(rows),
                report.written,
                report.stale,
                outcome.failed,
                ", ".join(_request_ids(rows)) or "-",
                extra={
                    "changes": len(rows),
                    "written": report.written,
                    "failed": outcome.failed,
                    "request_ids": _request_ids(rows),
                },
            )
        if outcome.written and self.on_change is not None:
            self.on_change()
        return outcome

    @staticmethod
    def _retry_later(rows: list[OutboxEntry], error: str, now: datetime) -> None:
        for row in rows:
            row.attempts += 1
            row.last_error = error
            row.next_attempt_at = now + _backoff(row.attempts)

    def drain(
        self, limit: int = 500, refresh: bool = False, log_level: int = logging.INFO
    ) -> BatchOutcome:
        """Process ready batches until none is left (or one fails)."""
        total = BatchOutcome()
        while True:
            outcome = self.process_batch(limit, refresh=refresh, log_level=log_level)
            total.claimed += outcome.claimed
            total.written += outcome.written
            total.stale += outcome.stale
            total.failed += outcome.failed
            total.errors.extend(outcome.errors)
            if outcome.claimed < limit or outcome.failed:
                return total

    def index_now(self) -> None:
        """Index what is waiting, at once and best effort (after a commit, outside
        production): if the engine is away, the outbox keeps the changes for the worker."""
        try:
            # A line per request would drown the rest: the worker's lines are the ones to read.
            self.drain(limit=100, refresh=True, log_level=logging.DEBUG)
        except Exception:
            log.warning("indexing after commit failed; the worker will retry", exc_info=True)

    def drain_with_progress(self, progress: Callable[[int], None], limit: int = 1000) -> None:
        """Drain, reporting how many records each batch indexed."""
        while True:
            outcome = self.process_batch(limit)
            progress(outcome.written + outcome.stale)
            if outcome.claimed < limit or outcome.failed:
                return

    def forget_processed(self, older_than: timedelta = KEEP_PROCESSED) -> None:
        with self.db.unit_of_work() as session:
            session.execute(
                delete(OutboxEntry).where(OutboxEntry.processed_at < utcnow() - older_than)
            )

    def run(self, stop: threading.Event, poll_seconds: float = 0.5, limit: int = 500) -> None:
        """Work until ``stop`` is set: the body of ``catalogue worker``. On PostgreSQL it
        wakes as soon as a change is committed (LISTEN/NOTIFY), else every ``poll_seconds``;
        a small batch (edits as people make them) is made searchable at once, a large one
        (a bulk load) waits for the engine's own refresh."""
        self.backend.ensure_index()
        listener = Listener(self.db.engine)
        last_cleanup = utcnow()
        try:
            while not stop.is_set():
                try:
                    outcome = self.process_batch(limit, refresh_small=True)
                except Exception:  # the database is away: wait and try again
                    log.exception("worker batch failed")
                    outcome = BatchOutcome(failed=1)
                if utcnow() - last_cleanup > timedelta(hours=1):
                    self.forget_processed()
                    last_cleanup = utcnow()
                if outcome.claimed < limit or outcome.failed:
                    listener.wait(poll_seconds, stop)
        finally:
            listener.close()

    # -- reindex and verify ----------------------------------------------------------------

    def render(
        self,
        everything: bool = False,
        progress: Callable[[int], None] | None = None,
        chunk: int = 500,
    ) -> int:
        """Render the stored documents that are missing, out of date or of an older format
        (or ``everything``)."""
        with self.db.reader() as session:
            query = select(Record.id).order_by(Record.id)
            if not everything:
                query = query.outerjoin(SearchDocument).where(
                    SearchDocument.record_id.is_(None)
                    | (SearchDocument.revision != Record.revision)
                    | (SearchDocument.format < documents.FORMAT)
                )
            ids = list(session.scalars(query))
        for start in range(0, len(ids), chunk):
            with self.db.unit_of_work() as session:
                documents.store_all(
                    session, list(_load(session, ids[start : start + chunk]).values())
                )
            if progress:
                progress(len(ids[start : start + chunk]))
        return len(ids)

    def reindex(self, progress: Callable[[int], None] | None = None, chunk: int = 1000) -> str:
        """Build a new index from the database, swap the alias, replay what changed meanwhile.

        Streams the stored documents (rendering first any that are missing), in constant
        memory, straight into bulk requests.
        """
        started = utcnow()
        self.render()
        new_index = self.backend.create_index()
        self.backend.prepare_for_bulk_load(new_index)
        with self.db.reader() as session:

            def actions() -> Iterator[Action]:
                # As JSON text: the documents go into the bulk requests without being parsed.
                rows = session.execute(
                    select(
                        SearchDocument.record_id,
                        SearchDocument.revision,
                        cast(SearchDocument.document, Text),
                    )
                    .order_by(SearchDocument.record_id)
                    .execution_options(yield_per=chunk)
                )
                for record_id, revision, document in rows:
                    yield IndexAction(record_id, revision, document)
                    if progress:
                        progress(1)

            report = self.backend.write(actions(), index=new_index, chunk_size=chunk)
        if report.errors:
            raise RuntimeError(
                f"reindex failed for {len(report.errors)} records: {report.errors[:3]}"
            )
        self.backend.finish_bulk_load(new_index)
        self.backend.swap_alias(new_index)
        # A transaction that began before the reindex may commit after the stream passed its
        # record, with an outbox row dated before the start: replay with a wide margin.
        self.replay_since(started - REPLAY_MARGIN)
        return new_index

    def replay_since(self, since: datetime) -> int:
        """Write again every record changed since ``since`` (outbox rows, processed or not)."""
        with self.db.reader() as session:
            wanted: dict[str, int] = {}
            for record_id, revision in session.execute(
                select(OutboxEntry.record_id, func.max(OutboxEntry.revision))
                .where(OutboxEntry.created_at >= since)
                .group_by(OutboxEntry.record_id)
            ):
                wanted[record_id] = revision
            if not wanted:
                return 0
            self.backend.write(_actions(session, wanted))
        return len(wanted)

    def verify(self, repair: bool = True) -> VerifyReport:
        """Compare (id, version) in the database and the index; optionally repair."""
        report = VerifyReport()
        self.backend.refresh()
        with self.db.reader() as session:
            order: Any = Record.id
            if session.get_bind().dialect.name == "postgresql":
                order = Record.id.collate("C")  # the byte order Elasticsearch sorts ids in
            database = iter(session.execute(select(Record.id, Record.revision).order_by(order)))
            index = self.backend.versions()
            for record_id, db_version, index_version in _merge(database, index):
                report.checked += 1
                if index_version is None:
                    report.missing.append(record_id)
                elif db_version is None:
                    report.extra.append((record_id, index_version))
                elif index_version < db_version:
                    report.stale.append(record_id)
            if repair and not report.ok:
                wanted = {rid: 0 for rid in report.missing + report.stale}
                actions = _actions(session, wanted)
                actions += [DeleteAction(rid, version + 1) for rid, version in report.extra]
                self.backend.write(actions)
                self.backend.refresh()
                report.repaired = True
        return report

    def status(self) -> IndexStatus:
        with self.db.reader() as session:
            pending = OutboxEntry.processed_at.is_(None)
            backlog = session.scalar(select(func.count()).where(pending)) or 0
            oldest = session.scalar(select(func.min(OutboxEntry.created_at)).where(pending))
            failing = (
                session.scalar(select(func.count()).where(pending, OutboxEntry.attempts > 0)) or 0
            )
            errors = list(
                session.scalars(
                    select(OutboxEntry.last_error)
                    .where(pending, OutboxEntry.last_error.is_not(None))
                    .order_by(OutboxEntry.id.desc())
                    .limit(3)
                )
            )
            records = session.scalar(select(func.count()).select_from(Record)) or 0
            older = SearchDocument.format < documents.FORMAT
            older_format = session.scalar(select(func.count()).where(older)) or 0
        return IndexStatus(
            backlog, oldest, failing, [e for e in errors if e], records, older_format
        )


@dataclass
class VerifyReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[tuple[str, int]] = field(default_factory=list)
    repaired: bool = False

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


@dataclass
class IndexStatus:
    backlog: int
    oldest_pending: datetime | None
    failing: int
    recent_errors: list[str]
    records: int
    older_format: int = 0  # stored documents rendered in an older format


def _merge(
    database: Iterator[Any], index: Iterator[tuple[str, int]]
) -> Iterator[tuple[str, int | None, int | None]]:
    """Merge two id-ordered streams into (id, database version, index version)."""
    left = next(database, None)
    right = next(index, None)
    while left is not None or right is not None:
        if right is None or (left is not None and left[0] < right[0]):
            assert left is not None
            yield left[0], left[1], None
            left = next(database, None)
        elif left is None or right[0] < left[0]:
            yield right[0], None, right[1]
            right = next(index, None)
        else:
            yield left[0], left[1], right[1]
            left, right = next(database, None), next(index, None)
