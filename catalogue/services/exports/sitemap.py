"""What the sitemaps list: every published record page (each version has one), with when
it last changed, in chunks of at most 50,000 URLs as the sitemap protocol allows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalogue.models import Record

CHUNK = 50_000  # URLs per sitemap file, the protocol's limit


def chunk_count(session: Session) -> int:
    published = session.scalar(
        select(func.count()).select_from(Record).where(Record.status == "published")
    )
    return max(1, -(-(published or 0) // CHUNK))


def chunk(session: Session, number: int) -> Iterator[tuple[str, datetime]]:
    """The pages of chunk ``number`` (from 1): record ids and when each last changed,
    streamed from the database."""
    query = (
        select(Record.id, Record.updated_at)
        .where(Record.status == "published")
        .order_by(Record.id)
        .offset((number - 1) * CHUNK)
        .limit(CHUNK)
        .execution_options(yield_per=5_000)
    )
    for record_id, updated in session.execute(query):
        yield str(record_id), updated
