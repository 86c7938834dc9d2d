"""What every source of works is to a harvest job: pages of raw items behind a cursor, and a
way to read one item as a work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from catalogue.services.intake import Incoming

# The cursor of a source's first page (OpenAlex's own spelling; the others translate it).
START = "*"


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None  # None: this was the last page
    total: int | None  # as the source counts them, when it says


class Feed(Protocol):
    source: str
    # Whether the source's answer for a work is kept as the evidence behind its values.
    keeps_answers: bool

    def fetch(self, cursor: str) -> Page: ...

    def parse(self, raw: Any) -> Incoming: ...
