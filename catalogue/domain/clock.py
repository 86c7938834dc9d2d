"""Today, as the catalogue counts days (UTC), in one place: a test sets the day instead of
sleeping until a grant or an embargo ends."""

from __future__ import annotations

from datetime import UTC, date, datetime

_set_day: date | None = None


def today() -> date:
    return _set_day if _set_day is not None else datetime.now(UTC).date()


def set_today(day: date | None) -> None:
    """Make ``today()`` answer ``day`` (None: the real day again).  For tests."""
    global _set_day
    _set_day = day
