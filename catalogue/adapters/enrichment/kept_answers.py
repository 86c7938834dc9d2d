"""The services' answers kept in ``enrichment_answers``: pruned when no record uses them.

An answer is kept for a DOI (the cache, and the evidence behind a record's filled values and
Open Access status). While some record carries that DOI, its answers stay whatever their age:
a record's evidence never points at a pruned answer. An answer for a DOI no record carries
(the record was discarded or its DOI corrected, or a harvest met a work it did not take) goes
once it is older than the retention period.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, func, select
from sqlalchemy.orm import Session

from catalogue.models import EnrichmentAnswer, Record, RecordIdentifier


def _unused_before(older_than: datetime) -> ColumnElement[bool]:
    carried = exists().where(Record.doi == EnrichmentAnswer.doi)
    # A harvested work's other DOIs (another spelling, the preprint's) point at a record too.
    known = exists().where(
        RecordIdentifier.scheme == "doi", RecordIdentifier.value == EnrichmentAnswer.doi
    )
    return (EnrichmentAnswer.fetched_at < older_than) & ~carried & ~known


def prune_answers(session: Session, older_than: datetime) -> dict[str, int]:
    """Delete the answers fetched before ``older_than`` whose DOI no record carries; how many
    of each source went."""
    condition = _unused_before(older_than)
    counts = {
        source: int(count)
        for source, count in session.execute(
            select(EnrichmentAnswer.source, func.count())
            .where(condition)
            .group_by(EnrichmentAnswer.source)
        )
    }
    session.execute(delete(EnrichmentAnswer).where(condition))
    return counts


def kept_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(EnrichmentAnswer)) or 0)
