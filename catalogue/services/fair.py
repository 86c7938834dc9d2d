"""FAIR assessment of datasets, stored with the record whenever it is saved.

``catalogue.domain.fair`` does the assessing; this module feeds it the dataset in its wire form
and what its exports contain (``catalogue.services.exports.evidence``), and keeps the result
(and the results of the optional network checks, which it never guesses).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalogue.domain import fair
from catalogue.models import Dataset, FairGap, utcnow
from catalogue.services import documents
from catalogue.services.exports.evidence import evidence
from schemas.records import DatasetSchema

_SCHEMA = DatasetSchema()


def assess_dataset(dataset: Dataset) -> fair.Assessment:
    """Assess ``dataset`` as it is now and store the result on it."""
    shown: dict[str, Any] = _SCHEMA.dump(dataset)
    result = fair.assess(shown, dataset.fair_network or {}, evidence(shown))
    dataset.fair_score = result.score()
    dataset.fair_essential_passed = result.essential_passed
    dataset.fair_assessment = result.as_dict()
    dataset.fair_assessed_at = utcnow()
    tenths = {p: round(10 * result.score(p)) for p in fair.PRINCIPLES}
    dataset.fair_score10 = round(10 * result.score())
    dataset.fair_f10, dataset.fair_a10 = tenths["F"], tenths["A"]
    dataset.fair_i10, dataset.fair_r10 = tenths["I"], tenths["R"]
    dataset.fair_bucket = min(dataset.fair_score10 // 100, 9) * 10
    failed = sorted({gap["test"] for gap in dataset.fair_assessment["gaps"]})
    if [gap.test_id for gap in dataset.fair_gaps] != failed:
        dataset.fair_gaps = [FairGap(test_id=test_id) for test_id in failed]
    return result


def assess_draft(body: dict[str, Any]) -> dict[str, Any]:
    """The assessment of a dataset being edited, from the body the editor would send."""
    record = {**body, "status": "draft", "kind": "dataset"}
    return fair.assess(record, None, evidence(record)).as_dict()


def assessed_by_older_rules(db: Any) -> bool:
    """Whether stored assessments come from older rules (one dataset tells: every save and
    every reassessment uses the current ones)."""
    with db.reader() as session:
        stored = session.scalar(
            select(Dataset.fair_assessment).where(Dataset.fair_assessment.is_not(None)).limit(1)
        )
    return bool(stored) and stored.get("version") != fair.VERSION


def dataset_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Dataset.id).order_by(Dataset.id)))


def reassess(session: Session, ids: Sequence[str]) -> dict[str, int]:
    """Assess these datasets again with the current rules; changed scores are indexed again."""
    counts = {"checked": 0, "changed": 0}
    query = (
        select(Dataset)
        .where(Dataset.id.in_(ids))
        .options(
            *(
                selectinload(relation)
                for relation in (
                    Dataset.themes,
                    Dataset.departments,
                    Dataset.creators,
                    Dataset.contributors,
                    Dataset.related_identifiers,
                    Dataset.funding,
                    Dataset.distributions,
                    Dataset.fair_gaps,
                )
            )
        )
    )
    for dataset in session.scalars(query):
        counts["checked"] += 1
        before = (dataset.fair_score10, dataset.fair_essential_passed)
        assess_dataset(dataset)
        if (dataset.fair_score10, dataset.fair_essential_passed) != before:
            counts["changed"] += 1
        documents.index_at_commit(session, dataset)
    return counts
