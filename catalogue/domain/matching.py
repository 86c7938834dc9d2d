"""How works are recognised across sources when they share no identifier: by title, year and
first author.  Pure, so the intake, the record service and a migration compute it alike."""

from __future__ import annotations

import hashlib


def normalised_title(title: str) -> str:
    """A title as compared across sources: letters and digits only, case folded."""
    return " ".join("".join(c if c.isalnum() else " " for c in title.casefold()).split())


def family_name(author: str) -> str:
    """``Jansen, Anna`` -> ``jansen``; a name as written, ``Anna Jansen`` -> ``jansen``."""
    if "," in author:
        return author.split(",", 1)[0].strip().casefold()
    words = author.split()
    return words[-1].casefold() if words else ""


def work_key(title: str, year: int | None, first_author: str | None) -> str | None:
    """A fingerprint shared by records of the same title, year and first author's family
    name (None when one of them is missing): what the duplicates worklist groups by."""
    family = family_name(first_author or "")
    if year is None or not family or not title.strip():
        return None
    text = f"{normalised_title(title)}|{year}|{family}"
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()
