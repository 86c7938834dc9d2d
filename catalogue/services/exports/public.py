"""Records as anyone may see them, for exports made outside a request (the command line's
catalogue dump): the wire form an anonymous caller of the API gets, links to data that is
not open removed exactly as the API removes them."""

from __future__ import annotations

from datetime import date
from typing import Any

from catalogue.models import Dataset, Record
from catalogue.services.permissions import ANONYMOUS, data_access
from schemas.records import DatasetSchema, PublicationSchema, without_data_links

_DATASET, _PUBLICATION = DatasetSchema(), PublicationSchema()


def as_anyone_sees(record: Record, today: date | None = None) -> dict[str, Any]:
    if isinstance(record, Dataset):
        shown: dict[str, Any] = _DATASET.dump(record)
        if data_access(ANONYMOUS, record, today or date.today()) is None:
            shown = without_data_links(shown)
        return shown
    published: dict[str, Any] = _PUBLICATION.dump(record)
    return published
