"""One request budget per outside service for every worker process together.

Each process spacing its own requests (``Throttle``) lets two workers ask a service twice as
fast as it allows, and the enrichment and harvest clients of one process would each count
their own too.  On PostgreSQL every request reserves the next free slot of its service in
one statement (the row's lock orders the reservations; the database's clock is the one clock
all workers share) and waits for it.  SQLite is the embedded catalogue's one process: there
one throttle per service in the process is the shared budget.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import Engine, text

from catalogue.adapters.enrichment.http import Throttle

_RESERVE = text(
    """
    INSERT INTO service_budgets (service, next_at)
    VALUES (:service, clock_timestamp() + :interval)
    ON CONFLICT (service) DO UPDATE
        SET next_at = GREATEST(service_budgets.next_at, clock_timestamp()) + :interval
    RETURNING next_at - :interval - clock_timestamp()
    """
)


class SharedBudget:
    """At most ``per_second`` requests a second to ``service`` from all workers together."""

    def __init__(self, engine: Engine, service: str, per_second: float) -> None:
        self.engine = engine
        self.service = service[:64]
        self.interval = timedelta(seconds=1.0 / per_second if per_second > 0 else 0.0)

    def wait(self) -> None:
        with self.engine.begin() as connection:
            until = connection.execute(
                _RESERVE, {"service": self.service, "interval": self.interval}
            ).scalar_one()
        if until.total_seconds() > 0:
            time.sleep(until.total_seconds())


_local: dict[str, Throttle] = {}
_local_lock = threading.Lock()


def budget_for(engine: Engine, service: str, per_second: float) -> SharedBudget | Throttle:
    """The budget requests to ``service`` wait on: shared through PostgreSQL, else one per
    service in this process."""
    if engine.dialect.name == "postgresql":
        return SharedBudget(engine, service, per_second)
    with _local_lock:
        return _local.setdefault(service, Throttle(per_second))
