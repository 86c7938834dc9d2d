"""Human names for what the search engine counts: facet titles and term labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue.models import AccessRight, Department, ResourceType, Theme

FACET_TITLES: dict[str, Any] = {
    "kind": _l("Kind"),
    "resource_type": _l("Type"),
    "theme": _l("Innovation theme"),
    "department": _l("Department"),
    "year": _l("Year"),
    "access_right": _l("Access"),
    "license": _l("Licence"),
    "open_access": _l("Open Access status"),
    "creator": _l("Creator"),
}

# The three groups of the 17 innovation themes, in the strategy's order.
THEME_GROUPS: dict[str, Any] = {
    "innovation-theme": _l("Innovation themes"),
    "societal-priority": _l("Societal priorities"),
    "fundamental": _l("Fundamentals for innovation"),
}

FIXED_LABELS: dict[tuple[str, str], Any] = {
    ("kind", "dataset"): _l("Dataset"),
    ("kind", "publication"): _l("Publication"),
    ("open_access", "diamond"): _l("Diamond"),
    ("open_access", "gold"): _l("Gold"),
    ("open_access", "hybrid"): _l("Hybrid"),
    ("open_access", "bronze"): _l("Bronze"),
    ("open_access", "green"): _l("Green"),
    ("open_access", "closed"): _l("Closed"),
    ("open_access", "unknown"): _l("Unknown"),
}

# Enough of a browser's User-Agent to tell one's sessions apart ("Firefox on Linux"): the
# first match wins, so Edge and Opera come before the Chrome they also claim to be.
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chromium/", "Chromium"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))  # fmt: skip
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux"))  # fmt: skip


def device_label(user_agent: str | None) -> str:
    """A short name for the browser and system of a User-Agent string."""
    agent = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    if browser and system:
        return str(_l("%(browser)s on %(system)s", browser=browser, system=system))
    return browser or system or (agent[:40] if agent else str(_l("unknown browser")))


_TERMS: dict[str, Any] = {
    "theme": Theme,
    "department": Department,
    "resource_type": ResourceType,
    "access_right": AccessRight,
}


def for_facets(session: Session, facets: Mapping[str, Sequence[Any]]) -> dict[tuple[str, str], Any]:
    """Labels for the values of ``facets``: vocabulary terms from the database."""
    found: dict[tuple[str, str], Any] = dict(FIXED_LABELS)
    for name, model in _TERMS.items():
        keys = [value.key for value in facets.get(name, [])]
        if keys:
            for term_id, label in session.execute(
                select(model.id, model.label).where(model.id.in_(keys))
            ):
                found[(name, term_id)] = label
    return found
