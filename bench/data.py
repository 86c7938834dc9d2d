"""Seeded synthetic catalogues of any size, written straight into the database.

Registering through the API runs at tens of records a second, too slow to build 10^5 or 10^6
records; this writes the same rows with bulk inserts.  The records come from the demo
generator and are validated by the wire schemas, so they look like real registrations.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, text

from catalogue.demo import DemoGenerator
from catalogue.models import (
    Base,
    Creator,
    Dataset,
    Distribution,
    FundingReference,
    Publication,
    Record,
    data_tables,
)
from catalogue.models.base import new_record_id
from catalogue.models.records import record_departments, record_themes
from schemas.records import DatasetSchema, PublicationSchema

CHUNK = 2000


def empty(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            tables = ", ".join(data_tables())
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            for table in data_tables():
                connection.execute(text(f"DELETE FROM {table}"))


def load(
    engine: Engine, count: int, seed: int = 42, progress: Callable[[int], None] | None = None
) -> None:
    """Write ``count`` published records (one dataset in three) in chunks."""
    generator = DemoGenerator(seed)
    schemas = {"dataset": DatasetSchema(), "publication": PublicationSchema()}
    now = datetime.now(UTC)
    done = 0
    while done < count:
        size = min(CHUNK, count - done)
        rows: dict[Any, list[dict[str, Any]]] = {}
        for _ in range(size):
            kind = "dataset" if generator.rng.random() < 1 / 3 else "publication"
            raw = generator.dataset() if kind == "dataset" else generator.publication()
            raw.pop("journal", None)  # the journal register is not what is measured here
            _rows(kind, schemas[kind].load(raw), now, rows)
        with engine.begin() as connection:
            for table in Base.metadata.sorted_tables:
                if rows.get(table):
                    connection.execute(table.insert(), rows[table])
        done += size
        if progress:
            progress(size)


def _rows(
    kind: str, data: dict[str, Any], now: datetime, rows: dict[Any, list[dict[str, Any]]]
) -> None:
    record_id = new_record_id()

    def add(model: Any, row: dict[str, Any]) -> None:
        rows.setdefault(getattr(model, "__table__", model), []).append(row)

    date = data.get("publication_date")
    add(
        Record,
        {
            "id": record_id,
            "kind": kind,
            "concept_id": record_id,
            "version_number": 1,
            "is_latest": True,
            "status": "published",
            "revision": 1,
            "doi": data.get("doi"),
            "title": data["title"],
            "description": data.get("description"),
            "publisher": data.get("publisher"),
            "publication_date": date,
            "publication_year": date.year if date else None,
            "resource_type_id": data["resource_type_id"],
            "language": data.get("language"),
            "version": None,
            "license_id": data.get("license_id"),
            "keywords": data["keywords"],
            "subjects": [],
            "dates": [],
            "owner_id": None,
            "created_at": now,
            "updated_at": now,
            "published_at": now,
        },
    )
    if kind == "dataset":
        contact = data.get("contact_point") or {}
        period = data.get("temporal_coverage") or {}
        add(
            Dataset,
            {
                "id": record_id,
                "access_right_id": data["access_right_id"],
                "embargo_until": data.get("embargo_until"),
                "contact_name": contact.get("name"),
                "contact_email": contact.get("email"),
                "temporal_start": period.get("start"),
                "temporal_end": period.get("end"),
                "spatial_coverage": data.get("spatial_coverage"),
                "personal_data": data["personal_data"],
                "health_data": data["health_data"],
                "applicable_legislation": data["applicable_legislation"],
            },
        )
        for position, item in enumerate(data["distributions"]):
            add(
                Distribution,
                {
                    "dataset_id": record_id,
                    "position": position,
                    "title": None,
                    "download_url": None,
                    "media_type": None,
                    "format": None,
                    "byte_size": None,
                    "checksum": None,
                    **item,
                },
            )
    else:
        deposit = data.get("deposit") or {}
        add(
            Publication,
            {
                "id": record_id,
                "journal_id": None,
                "peer_reviewed": data.get("peer_reviewed"),
                "publisher_free_to_read": data.get("publisher_free_to_read"),
                "publisher_license_id": data.get("publisher_license_id"),
                "deposit_version": deposit.get("version"),
                "deposit_url": deposit.get("url"),
                "deposit_embargo_until": deposit.get("embargo_until"),
                "short_work": data.get("short_work"),
                "publicly_funded": data.get("publicly_funded"),
            },
        )
    for position, creator in enumerate(data["creators"]):
        add(
            Creator,
            {
                "record_id": record_id,
                "role": "creator",
                "position": position,
                "given_name": None,
                "family_name": None,
                "orcid": None,
                **creator,
            },
        )
    for position, funding in enumerate(data["funding"]):
        add(
            FundingReference,
            {
                "record_id": record_id,
                "position": position,
                "funder_identifier": None,
                "award_number": None,
                "award_title": None,
                **funding,
            },
        )
    for theme in data["theme_ids"]:
        add(record_themes, {"record_id": record_id, "theme_id": theme})
    for department in data["department_ids"]:
        add(record_departments, {"record_id": record_id, "department_id": department})
