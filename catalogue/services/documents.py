"""The search document of a record, rendered once per change and stored beside it.

The service renders it in the transaction that changes the record (it has the whole record
loaded then), so the worker and a reindex read finished documents from the database instead
of rebuilding each record's object graph: that is what lets a full reindex run near the
engine's own bulk rate.  ``catalogue search reindex --render`` renders every document again
from the relational rows, after the document format changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from marshmallow import Schema
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, load_only

from catalogue.domain import tracing
from catalogue.models import Dataset, OutboxEntry, Publication, Record, SearchDocument
from schemas.records import DatasetSchema, PublicationSchema, without_data_links

SCHEMAS: dict[str, Schema] = {"dataset": DatasetSchema(), "publication": PublicationSchema()}


# The format of the documents ``render`` makes; raise it whenever what it renders changes
# (with a new mapping in ``search/mappings`` if a field is added), and a reindex renders every
# older document again.  3: ``all_themes``.
FORMAT = 3


def render(record: Record) -> dict[str, Any]:
    """Filterable fields, and the record exactly as the API shows it (``record``, JSON text)."""
    shown: dict[str, Any] = SCHEMAS[record.kind].dump(record)
    if isinstance(record, Dataset) and record.access_right_id != "open":
        # Search serves everyone the same document: links to data that is not open (yet)
        # never enter the index.  Reading the record shows them to those with access.
        shown = without_data_links(shown)
    journal = record.journal if isinstance(record, Publication) else None
    return {
        "id": record.id,
        "kind": record.kind,
        "status": record.status,
        "is_latest": record.is_latest,
        "concept_id": record.concept_id,
        "revision": record.revision,
        "owner_id": str(record.owner_id) if record.owner_id is not None else None,
        "doi": record.doi,
        "title": record.title,
        "description": record.description,
        "keywords": record.keywords or [],
        "creators": [creator.name for creator in record.creators],
        "orcids": [creator.orcid for creator in record.creators if creator.orcid],
        "journal": journal.title if journal else None,
        "themes": [theme.id for theme in record.themes],
        # What a report counts when it includes the suggested themes (never a search filter).
        "all_themes": sorted(
            {theme.id for theme in record.themes}
            | {s.theme_id for s in record.theme_suggestions if isinstance(record, Publication)}
        ),
        "departments": [department.id for department in record.departments],
        "resource_type": record.resource_type_id,
        "access_right": record.access_right_id if isinstance(record, Dataset) else None,
        "license": record.license_id,
        "open_access": record.effective_oa_status if isinstance(record, Publication) else None,
        **_report_fields(record),
        "publication_year": record.publication_year,
        "publication_date": shown.get("publication_date"),
        "updated": shown.get("updated"),
        # As JSON text: searches pass it through to their answers without parsing it.
        "record": orjson.dumps(shown).decode(),
    }


def _report_fields(record: Record) -> dict[str, Any]:
    """What the reports count: the effective Open Access category, peer review, the FAIR
    assessment's scores and gaps."""
    if isinstance(record, Publication):
        override = record.oa_override or {}
        return {
            "oa_category": override.get("category") or record.oa_category,
            "peer_reviewed": record.peer_reviewed,
        }
    if isinstance(record, Dataset) and record.fair_assessment:
        return {
            "fair_essential": record.fair_essential_passed,
            "fair_score10": record.fair_score10,
            "fair_f10": record.fair_f10,
            "fair_a10": record.fair_a10,
            "fair_i10": record.fair_i10,
            "fair_r10": record.fair_r10,
            "fair_bucket": record.fair_bucket,
            "fair_gaps": [gap.test_id for gap in record.fair_gaps],
        }
    return {}


def store(session: Session, record: Record) -> SearchDocument:
    """Render ``record`` at its current revision into its stored document."""
    return store_all(session, [record])[0]


def store_all(session: Session, records: Sequence[Record]) -> list[SearchDocument]:
    """Render ``records`` into their stored documents, reading the existing ones in one query.

    (Reading them one by one made each read flush the document before it: that was half the
    time of re-rendering every document.)
    """
    existing = {
        document.record_id: document
        for document in session.scalars(
            select(SearchDocument)
            .where(SearchDocument.record_id.in_([r.id for r in records]))
            # The old document is replaced, never read: leave it in the database.
            .options(load_only(SearchDocument.record_id, SearchDocument.revision))
        )
    }
    stored = []
    for record in records:
        # Rendered before a new document joins the session: rendering may load what the
        # record shows, and that load flushes whatever is pending.
        rendered = render(record)
        document = existing.get(record.id)
        if document is None:
            document = SearchDocument(record_id=record.id)
            session.add(document)
        document.revision = record.revision
        document.document = rendered
        document.format = FORMAT
        stored.append(document)
    return stored


def index_at_commit(session: Session, record: Record, render: bool = True) -> None:
    """Render ``record``'s search document and queue it for the index when its transaction
    commits: once, however many changes the transaction made to it (a registration that is
    published at once is rendered once, not twice), and for all such records in one query.

    Without ``render`` (a record about to be deleted) only the outbox row is written: the
    worker finds the record gone and removes it from the index.
    """
    if render:
        pending: dict[str, Record] = session.info.setdefault(_PENDING, {})
        pending[record.id] = record
        session.info.setdefault("before_commit", {})[_PENDING] = _store_pending
    else:
        session.add(
            OutboxEntry(
                record_id=record.id, revision=record.revision or 0, request_id=tracing.current()
            )
        )
    # The unit of work may index right after the commit (outside production).
    session.info[CHANGES_SEARCH] = True


_PENDING = "search documents"
# Set on a session whose transaction queued changes for the search index.
CHANGES_SEARCH = "changes search"


def _store_pending(session: Session) -> None:
    pending: dict[str, Record] = session.info.pop(_PENDING, {})
    session.flush()  # the revisions the documents and the outbox rows name
    records = [record for record in pending.values() if not inspect(record).was_deleted]
    if not records:
        return
    store_all(session, records)
    request_id = tracing.current()  # the worker's log line for the change names it too
    session.add_all(
        OutboxEntry(record_id=r.id, revision=r.revision or 0, request_id=request_id)
        for r in records
    )
