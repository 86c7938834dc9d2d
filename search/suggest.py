"""Type-ahead suggestions, shared by the backends: each finds candidate records its own way,
and both pick the same titles, creator names and keywords from them."""

from __future__ import annotations

from typing import Any

from search.query import Suggestion

SUGGEST_FIELDS = ("title", "creators", "keywords")


def candidate(record: dict[str, Any]) -> dict[str, Any]:
    """What suggestions are picked from, out of a whole record: as the search document holds
    it (``creators`` as names), so the engine need send back only these three fields."""
    return {
        "title": record.get("title"),
        "creators": [creator["name"] for creator in record.get("creators") or []],
        "keywords": record.get("keywords") or [],
    }


def pick_suggestions(prefix: str, candidates: list[dict[str, Any]], size: int) -> list[Suggestion]:
    """Titles, creator names and keywords that have a word starting with the typed words;
    ``candidates`` hold the :data:`SUGGEST_FIELDS` of the records found, best first."""
    words = prefix.lower().split()
    seen: set[tuple[str, str]] = set()
    found: list[Suggestion] = []

    def matches(text: str) -> bool:
        tokens = text.lower().replace(",", " ").split()
        return all(any(token.startswith(word) for token in tokens) for word in words)

    for field in SUGGEST_FIELDS:
        for found_record in candidates:
            values = found_record.get(field) or []
            if field == "title":
                values = [values]
            for value in values:
                if value and matches(value) and (field, value) not in seen:
                    seen.add((field, value))
                    found.append(Suggestion(text=value, field=field.rstrip("s")))
    return found[:size]
