"""Seeded synthetic catalogues of any size, written straight into the database.

Registering through the API runs at tens of records a second, too slow to build 10^5 or 10^6
records; this writes the same rows with bulk inserts.  The records come from the demo
generator and are validated by the wire schemas, so they look like real registrations.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, text

from catalogue.cli.demo import JOURNALS, DemoGenerator
from catalogue.domain import fair, openaccess
from catalogue.models import (
    Base,
    Creator,
    Dataset,
    Distribution,
    FairGap,
    FundingReference,
    Publication,
    Record,
    data_tables,
)
from catalogue.models.base import new_record_id
from catalogue.models.records import record_departments, record_themes
from schemas.records import DatasetSchema, PublicationSchema

CHUNK = 2000
_SCHEMAS = {"dataset": DatasetSchema(), "publication": PublicationSchema()}
# The demo journals' DOAJ facts (membership, APC), by eISSN or ISSN.
DOAJ = {
    (eissn or issn): (in_doaj, Decimal(apc) if in_doaj and apc is not None else None)
    for _title, issn, eissn, _publisher, in_doaj, apc in JOURNALS
}


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
    schemas = _SCHEMAS
    now = datetime.now(UTC)
    done = 0
    while done < count:
        size = min(CHUNK, count - done)
        rows: dict[Any, list[dict[str, Any]]] = {}
        for _ in range(size):
            kind = "dataset" if generator.rng.random() < 1 / 3 else "publication"
            raw = generator.dataset() if kind == "dataset" else generator.publication()
            # The journal register is not what is measured here: its DOAJ facts go with the row.
            journal = raw.pop("journal", None) or {}
            data = schemas[kind].load(raw)
            if kind == "publication":
                facts = DOAJ.get(journal.get("eissn") or journal.get("issn"))
                data["in_doaj"], data["apc"] = facts if facts else (False, None)
            _rows(kind, data, now, rows)
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
        assessment = fair.assess({**_SCHEMAS[kind].dump(data), "status": "published"})
        tenths = {p: round(10 * assessment.score(p)) for p in fair.PRINCIPLES}
        score10 = round(10 * assessment.score())
        for gap in sorted({g["test"] for g in assessment.as_dict()["gaps"]}):
            add(FairGap, {"dataset_id": record_id, "test_id": gap})
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
                "fair_score": assessment.score(),
                "fair_essential_passed": assessment.essential_passed,
                "fair_score10": score10,
                "fair_f10": tenths["F"],
                "fair_a10": tenths["A"],
                "fair_i10": tenths["I"],
                "fair_r10": tenths["R"],
                "fair_bucket": min(score10 // 100, 9) * 10,
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
        result = openaccess.classify(
            openaccess.Inputs(
                publication_date=date,
                journal_in_doaj=data.get("in_doaj"),
                journal_apc=data.get("apc"),
                publisher_free_to_read=data.get("publisher_free_to_read"),
                publisher_license=data.get("publisher_license_id"),
                deposit_version=deposit.get("version"),
                deposit_url=deposit.get("url"),
                deposit_embargo_until=deposit.get("embargo_until"),
                deposit_license=deposit.get("license_id"),
                short_work=data.get("short_work"),
                publicly_funded=data.get("publicly_funded"),
            ),
            now.date(),
        )
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
                "oa_status": result.status,
                "oa_category": result.category,
                "oa_embargoed": result.embargoed,
                "taverne_eligible": result.taverne_eligible,
                "taverne_date": result.taverne_date,
                "plan_s_compliant": result.plan_s_compliant,
                "oa_as_of": result.as_of,
                "oa_rules": list(result.rules),
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


def replace_all(state: Any, n: int) -> None:
    """The catalogue of ``state`` emptied (database and search indices) and ``n`` synthetic
    records loaded into the database."""
    empty(state.db.engine)
    state.backend.drop_indices()
    load(state.db.engine, n)
