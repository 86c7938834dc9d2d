"""One request budget per outside service for every worker together: two workers, each with
its own client and its own database connection (as two processes have), ask the local
stand-in service no faster than the service's rate; each counting alone asks twice as fast."""

from __future__ import annotations

import threading
import uuid

from flask import Flask
from sqlalchemy import create_engine

from catalogue.adapters.enrichment.http import Budget, PoliteClient, Throttle, user_agent
from catalogue.adapters.service_budget import SharedBudget, budget_for
from tests.fake_services import FakeServices

AGENT = user_agent("https://catalogue.example.org", "library@example.org")
RATE = 10.0
EACH = 10


def _rate_of_two_workers(services: FakeServices, budgets: list[Budget]) -> float:
    """Requests a second the stand-in saw from two workers asking ``EACH`` times at once."""
    services.seen.clear()
    clients = [PoliteClient(services.url, AGENT, RATE, budget=budget) for budget in budgets]

    def ask(client: PoliteClient) -> None:
        for n in range(EACH):
            client.get(f"/works/10.1234/budget.{n}")  # 404: answered at once, not retried

    workers = [threading.Thread(target=ask, args=(client,)) for client in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    times = sorted(seen.at for seen in services.seen)
    assert len(times) == 2 * EACH
    return (len(times) - 1) / (times[-1] - times[0])


def test_two_workers_share_one_budget_per_service(app: Flask, services: FakeServices) -> None:
    url = app.extensions["catalogue"].settings.database_url
    service = f"stand-in {uuid.uuid4().hex[:8]}"
    # Each worker with an engine of its own: nothing but the database is shared.
    engines = [create_engine(url), create_engine(url)]
    try:
        shared = _rate_of_two_workers(
            services, [SharedBudget(engine, service, RATE) for engine in engines]
        )
    finally:
        for engine in engines:
            engine.dispose()
    apart = _rate_of_two_workers(services, [Throttle(RATE), Throttle(RATE)])

    print(f"two workers: {shared:.1f} requests/s sharing the budget, {apart:.1f} apart")
    assert shared <= RATE * 1.1  # the service's rate, whichever worker asks
    assert apart >= RATE * 1.5  # what counting alone does: each worker its own rate


def test_the_embedded_catalogue_shares_one_throttle_per_service_in_its_process() -> None:
    engine = create_engine("sqlite://")
    first, again = budget_for(engine, "crossref", RATE), budget_for(engine, "crossref", RATE)
    assert isinstance(first, Throttle) and first is again
    assert budget_for(engine, "unpaywall", RATE) is not first
