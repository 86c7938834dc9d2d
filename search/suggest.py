"""Type-ahead suggestions, shared by the backends: each finds candidate records its own way,
and both pick the same titles, creator names and keywords from them."""

from __future__ import annotations

from typing import Any

from search.query import Suggestion

SUGGEST_FIELDS = ("title", "creators", "keywords")


def pick_suggestions(prefix: str, documents: list[dict[str, Any]], size: int) -> list[Suggestion]:
    """Titles, creator names and keywords that have a word starting with the typed words."""
    words = prefix.lower().split()
    seen: set[tuple[str, str]] = set()
    found: list[Suggestion] = []

    def matches(text: str) -> bool:
        tokens = text.lower().replace(",", " ").split()
        return all(any(token.startswith(word) for token in tokens) for word in words)

    for field in SUGGEST_FIELDS:
        for document in documents:
            values = document.get(field) or []
            if field == "title":
                values = [values]
            elif field == "creators":
                values = [creator["name"] for creator in values]
            for value in values:
                if value and matches(value) and (field, value) not in seen:
                    seen.add((field, value))
                    found.append(Suggestion(text=value, field=field.rstrip("s")))
    return found[:size]
