"""The catalogue under a realistic mix of requests, for locust (bench/load.py runs it in a
virtual environment of its own, bench/load-requirements.txt, so gevent's monkey-patching never
meets the app's libraries).

The mix, by weight: anonymous search with facets 60, record pages 25, type-ahead 8, reports 4,
authenticated writes 3 (a write creates a dataset and publishes it: two requests).  Every
request is logged as a JSON line (when, which, how long, answered or not); a write that was
acknowledged (its publish answered 200) is logged, with the record's id and revision, so
bench/load.py can check afterwards that none was lost.  The run stops after LOAD_REQUESTS
requests.

Environment: LOAD_REQUESTS, LOAD_LOG (the JSON lines), LOAD_IDS (record ids, one a line),
LOAD_BODIES (datasets to write, a JSON document a line), LOAD_TOKEN (a personal access token
with the write scope).
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path
from typing import Any

import gevent
from locust import FastHttpUser, constant, events, task
from locust.env import Environment

REQUESTS = int(os.environ["LOAD_REQUESTS"])
LOG = Path(os.environ["LOAD_LOG"]).open("a", buffering=1)  # noqa: SIM115 (open for the run)
IDS = Path(os.environ["LOAD_IDS"]).read_text().split()
BODIES = itertools.cycle(Path(os.environ["LOAD_BODIES"]).read_text().splitlines())
TOKEN = os.environ["LOAD_TOKEN"]

# Words people search for in a medical research catalogue (all occur in the demo records).
WORDS = [
    "cohort", "migraine", "cancer", "mri", "genome", "trial", "diabetes", "imaging",
    "children", "stroke", "covid", "biobank", "heart", "kidney", "leiden", "dementia",
]  # fmt: skip
THEMES = ["neuroscience", "cancer", "infection-immunity", "ageing", "regenerative-medicine"]
ACCESS = ["open", "restricted", "embargoed"]
_sent = 0


@events.request.add_listener
def _log(
    name: str,
    response_time: float,
    exception: BaseException | None,
    start_time: float,
    response: Any = None,
    **_: Any,
) -> None:
    """One JSON line per request; the run ends after LOAD_REQUESTS of them."""
    global _sent
    _sent += 1
    line = {
        "at": start_time,
        "name": name,
        "ms": response_time,
        "ok": exception is None,
        "status": getattr(response, "status_code", 0) or 0,
    }
    if exception is not None:
        line["error"] = str(exception)[:200]
    LOG.write(json.dumps(line) + "\n")
    if _sent == REQUESTS:
        environment: Environment = _environment[0]
        gevent.spawn(environment.runner.quit)


_environment: list[Environment] = []


@events.init.add_listener
def _keep(environment: Environment, **_: Any) -> None:
    _environment.append(environment)


class Visitor(FastHttpUser):
    """Anyone on the catalogue's pages and API, and now and then a researcher writing."""

    wait_time = constant(0)  # a closed loop: the figures are what the servers sustain

    @task(60)
    def search(self) -> None:
        query: dict[str, Any] = {"q": random.choice(WORDS)}
        if random.random() < 0.4:
            query["theme"] = random.choice(THEMES)
        if random.random() < 0.3:
            query["access_right"] = random.choice(ACCESS)
        if random.random() < 0.2:
            query["page"] = random.randint(2, 5)
        self.client.get("/api/search", params=query, name="search")

    @task(25)
    def record_page(self) -> None:
        self.client.get(f"/records/{random.choice(IDS)}", name="record page")

    @task(8)
    def suggest(self) -> None:
        word = random.choice(WORDS)
        self.client.get(
            "/api/search/suggest", params={"q": word[: random.randint(2, 4)]}, name="suggest"
        )

    @task(4)
    def report(self) -> None:
        name = random.choice(["open-access", "fair"])
        query: dict[str, Any] = {"year_from": random.randint(2015, 2022)}
        if random.random() < 0.5:
            query["group_by"] = "theme"
        self.client.get(f"/api/reports/{name}", params=query, name=f"report {name}")

    @task(3)
    def write(self) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        body = json.loads(next(BODIES))
        with self.client.post(
            "/api/datasets", json=body, headers=headers, name="write: create", catch_response=True
        ) as created:
            if created.status_code != 201:
                created.failure(f"{created.status_code}: {created.text[:200]}")
                return
            record_id = created.json()["id"]
        with self.client.post(
            f"/api/datasets/{record_id}/publish",
            headers={**headers, "If-Match": created.headers["ETag"]},
            name="write: publish",
            catch_response=True,
        ) as published:
            if published.status_code != 200:
                published.failure(f"{published.status_code}: {published.text[:200]}")
                return
        # Acknowledged: the catalogue said it is saved, so it must not be lost.
        acknowledged = {"acknowledged": record_id, "revision": published.json()["revision"]}
        LOG.write(json.dumps(acknowledged) + "\n")
