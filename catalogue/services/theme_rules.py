"""Suggested innovation themes: administrators' rules, and the suggestions they give a record.

A rule says: records of this department, with this keyword (OpenAlex's keywords arrive as
keywords), or filed by OpenAlex under this topic (or its subfield or field), are suggested
this theme.  Harvested and imported works carry no themes of their
own; the rules suggest some, each with its reason, and a person confirms a suggestion by
adding the theme to the record.  Suggestions are never themes: searches, facets and exports
count the themes people gave, and reports do unless asked to include the suggestions too
(docs/intake.md says why).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from catalogue.domain.errors import Forbidden, InvalidInput
from catalogue.models import (
    Department,
    Publication,
    Record,
    RecordSource,
    Theme,
    ThemeRule,
    ThemeSuggestion,
)
from catalogue.services import documents
from catalogue.services.permissions import Identity

_CACHE = "theme rules"  # read once per session


def rules(session: Session) -> list[ThemeRule]:
    query = select(ThemeRule).order_by(ThemeRule.kind, ThemeRule.value, ThemeRule.theme_id)
    return list(session.scalars(query))


def replace_rules(
    session: Session, identity: Identity, given: Iterable[Mapping[str, Any]]
) -> list[ThemeRule]:
    """The rules replaced by ``given`` ({kind, value, theme}); administrators only.  Every
    rule is checked first: an unknown department or theme changes nothing."""
    if not (identity.has_role("administrator") and identity.allows("admin")):
        raise Forbidden("Administrators edit the theme rules.")
    themes = {theme.id for theme in session.scalars(select(Theme)) if not theme.retired}
    departments = set(session.scalars(select(Department.id)))
    problems: dict[int, list[str]] = {}
    wanted: dict[tuple[str, str, str], ThemeRule] = {}
    for position, rule in enumerate(given):
        kind, theme = rule["kind"], rule["theme"]
        value = rule["value"].strip() if kind == "department" else rule["value"].strip().lower()
        if theme not in themes:
            problems.setdefault(position, []).append(f"theme: no current theme {theme!r}")
        if kind == "department" and value not in departments:
            problems.setdefault(position, []).append(f"value: no department {value!r}")
        wanted[(kind, value, theme)] = ThemeRule(kind=kind, value=value, theme_id=theme)
    if problems:
        raise InvalidInput({"rules": problems})
    session.execute(delete(ThemeRule))
    session.add_all(wanted.values())
    session.flush()
    session.info.pop(_CACHE, None)
    return rules(session)


def works_the_rules_suggest_for(session: Session) -> list[str]:
    """The harvested and imported works (those a source describes), by id."""
    query = select(RecordSource.record_id).distinct().order_by(RecordSource.record_id)
    return list(session.scalars(query))


def apply(session: Session, record_ids: Iterable[str]) -> int:
    """The suggestions of these works, refreshed from the rules as they are now (after the
    rules changed); how many works' suggestions changed."""
    works = session.scalars(
        select(Publication)
        .where(Publication.id.in_(list(record_ids)))
        .options(
            selectinload(Publication.themes),
            selectinload(Publication.departments),
            selectinload(Publication.theme_suggestions),
        )
    )
    return sum(suggest(session, work) for work in works)


def suggest(session: Session, record: Record) -> bool:
    """The record's suggestions, from the rules, as of its departments, keywords and the
    topics its sources file it under now; whether they changed."""
    departments = set(record.department_ids)
    keywords = {keyword.strip().lower() for keyword in record.keywords or []}
    topics = {
        str(topic).lower()
        for facts in session.scalars(
            select(RecordSource.facts).where(RecordSource.record_id == record.id)
        )
        for topic in (facts or {}).get("topics", [])
    }
    reasons: dict[str, str] = {}
    known: list[ThemeRule] | None = session.info.get(_CACHE)
    if known is None:
        known = session.info[_CACHE] = rules(session)
    for rule in known:
        if rule.kind == "department" and rule.value in departments:
            reasons.setdefault(rule.theme_id, f"department {rule.value}")
        elif rule.kind == "keyword" and rule.value in keywords:
            reasons.setdefault(rule.theme_id, f"keyword {rule.value!r}")
        elif rule.kind == "topic" and rule.value in topics:
            reasons.setdefault(rule.theme_id, f"OpenAlex topic {rule.value!r}")
    confirmed = set(record.theme_ids)
    wanted = {theme: reason for theme, reason in reasons.items() if theme not in confirmed}
    before = [(s.theme_id, s.reason) for s in record.theme_suggestions]
    if before == sorted(wanted.items()):
        return False
    kept = []
    for suggestion in record.theme_suggestions:  # changed in place: one row per theme
        if suggestion.theme_id in wanted:
            suggestion.reason = wanted.pop(suggestion.theme_id)
            kept.append(suggestion)
    kept += [ThemeSuggestion(theme_id=theme, reason=reason) for theme, reason in wanted.items()]
    record.theme_suggestions = sorted(kept, key=lambda suggestion: suggestion.theme_id)
    # The record shows its suggestions and reports may count them: its document follows.
    documents.index_at_commit(session, record)
    return True
