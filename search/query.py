"""The search contract every backend fulfils: what is asked, and what comes back.

Backends (Elasticsearch, embedded SQLite FTS5) translate a :class:`SearchRequest` into their own
query language; the contract tests run the same questions against each and expect the same
answers.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

# Facets: name -> field of the search document.  Every facet is a filter too.
FACETS: dict[str, str] = {
    "kind": "kind",
    "resource_type": "resource_type",
    "theme": "themes",
    "department": "departments",
    "year": "publication_year",
    "access_right": "access_right",
    "license": "license",
    "open_access": "open_access",
    "creator": "creators",
}
FACET_SIZE = 50

Sort = Literal["relevance", "newest", "oldest", "title"]


@dataclass(frozen=True)
class Visibility:
    """What the caller may see besides published and withdrawn records.

    Built by the catalogue's permission policy; applied by the backend inside the query, so
    neither hits nor facet counts ever include a draft the caller may not see.
    """

    owner_id: str | None = None
    all_drafts_of: frozenset[str] = frozenset()
    # Works (concept ids) whose drafts the caller co-edits.
    concepts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SearchRequest:
    visibility: Visibility = field(default_factory=Visibility)
    text: str = ""
    filters: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    statuses: tuple[str, ...] = ("published",)
    owner_only: bool = False
    sort: Sort = "relevance"
    page: int = 1
    size: int = 20
    after: tuple[Any, ...] | None = None
    facets: bool = True


@dataclass(frozen=True)
class Hit:
    id: str
    kind: str
    # The record as the API shows it, as the JSON text the index stores: a page of hits goes
    # out without parsing and writing every record again.
    record_json: str
    highlights: dict[str, list[str]]

    @property
    def record(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.record_json)
        return parsed


def record_text(stored: str | dict[str, Any]) -> str:
    """The stored record as JSON text.  Documents rendered before it was stored as text hold an
    object; they read the same until ``catalogue search reindex --render`` renders them again."""
    return stored if isinstance(stored, str) else json.dumps(stored, separators=(",", ":"))


@dataclass(frozen=True)
class FacetValue:
    key: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    next_after: tuple[Any, ...] | None


class SearchFailed(RuntimeError):
    """The engine refused or failed a search it was sent (not: could not be reached)."""

    def __init__(self, status: int, error: Any) -> None:
        reason = error.get("reason", error) if isinstance(error, dict) else error
        super().__init__(f"{status}: {reason}")
        self.status = status

    @property
    def transient(self) -> bool:
        """Overloaded or failing shards: worth trying again, unlike a refused search."""
        return self.status == 429 or self.status >= 500


@dataclass(frozen=True)
class Suggestion:
    text: str
    field: str


@dataclass(frozen=True)
class IndexAction:
    """Put ``document`` at ``version``; an older version than the index holds is ignored.

    The document is a dict, or its JSON text when it was stored serialised.
    """

    id: str
    version: int
    document: dict[str, Any] | str


@dataclass(frozen=True)
class DeleteAction:
    id: str
    version: int


Action = IndexAction | DeleteAction


@dataclass
class BulkReport:
    written: int = 0
    stale: int = 0  # the index already held a newer version: nothing to do
    errors: list[str] = field(default_factory=list)


def encode_after(values: tuple[Any, ...]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


def decode_after(token: str) -> tuple[Any, ...]:
    """The sort values of a ``next`` token; ValueError if it is not one of ours."""
    try:
        padded = token + "=" * (-len(token) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not a paging token") from exc
    if not isinstance(values, list) or not all(
        isinstance(v, str | int | float) or v is None for v in values
    ):
        raise ValueError("not a paging token")
    return tuple(values)


class SearchBackend(Protocol):
    """What the catalogue needs of a search backend: Elasticsearch and the embedded one
    both fulfil it, and the contract tests hold them to it."""

    def ping(self) -> tuple[bool, str]: ...
    def ensure_index(self) -> str: ...
    def drop_indices(self) -> None: ...
    def create_index(self) -> str: ...
    def swap_alias(self, new_index: str) -> list[str]: ...
    def prepare_for_bulk_load(self, index: str) -> None: ...
    def finish_bulk_load(self, index: str) -> None: ...
    def refresh(self, index: str | None = None) -> None: ...
    def write(
        self,
        actions: Iterable[Action],
        index: str | None = None,
        chunk_size: int = 500,
        refresh: bool = False,
    ) -> BulkReport: ...
    def versions(self, index: str | None = None, page: int = 5000) -> Iterator[tuple[str, int]]: ...
    def count(self) -> int: ...
    def search(self, request: SearchRequest) -> SearchResult: ...
    def suggest(self, prefix: str, visibility: Visibility, size: int = 10) -> list[Suggestion]: ...
