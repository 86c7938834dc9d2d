"""How to cite a record, as text people paste into a reference list.

APA 7 for data and articles: "Family, G., & Family, G. (Year). *Title* (Version v) [Data
set]. Publisher. https://doi.org/..." Built from the record's wire form.
"""

from __future__ import annotations

from typing import Any


def _author(name: str) -> str:
    """'Jansen, Anna Maria' -> 'Jansen, A. M.'; an organisation's name stays whole."""
    family, comma, given = name.partition(",")
    if not comma:
        return name.strip()
    initials = " ".join(f"{part[0]}." for part in given.replace("-", " ").split() if part)
    return f"{family.strip()}, {initials}" if initials else family.strip()


def _authors(creators: list[dict[str, Any]]) -> str:
    names = [_author(creator["name"]) for creator in creators if creator.get("name")]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    if len(names) <= 20:
        return ", ".join(names[:-1]) + ", & " + names[-1]
    return ", ".join(names[:19]) + ", . . . " + names[-1]


def apa(record: dict[str, Any]) -> dict[str, str]:
    """The APA citation in parts (authors, year, title, rest), so a page can italicise the
    title without building HTML from text."""
    year = record.get("publication_year") or "n.d."
    title = record.get("title") or ""
    rest: list[str] = []
    if record.get("kind") == "dataset":
        version = f"Version {record['version']}" if record.get("version") else ""
        bracket = "[Data set]"
        title_suffix = f" ({version}) {bracket}" if version else f" {bracket}"
        if record.get("publisher"):
            rest.append(str(record["publisher"]))
    else:
        title_suffix = ""
        journal = (record.get("journal") or {}).get("title")
        if journal:
            rest.append(str(journal))
    if record.get("doi"):
        rest.append(f"https://doi.org/{record['doi']}")
    return {
        "authors": _authors(record.get("creators") or []),
        "year": str(year),
        "title": title,
        "title_suffix": title_suffix,
        "rest": ". ".join(rest),
    }
