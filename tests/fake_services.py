"""A local HTTP server standing in for Unpaywall, Crossref, OpenAlex, DataCite and doi.org.

There is no internet here: the enrichment clients are tested over real HTTP against this
server, which answers in each service's documented format (``tests.service_answers``) and
can be told to misbehave (fail, throttle with ``Retry-After``, answer slowly) for a path.
It records every request, so tests can check what the clients sent.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests import service_answers


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class FakeServices:
    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    # DOIs each service knows, with the answer's options.
    unpaywall: dict[str, dict[str, Any]] = field(default_factory=dict)
    crossref: set[str] = field(default_factory=set)
    openalex: set[str] = field(default_factory=set)
    datacite: dict[str, str] = field(default_factory=dict)  # doi -> state
    resolving: set[str] = field(default_factory=set)
    # The institution's works OpenAlex lists at ``/works?filter=...&cursor=...``.
    openalex_works: list[Any] = field(default_factory=list)
    # The institutional repository's records at ``/oai`` (OAI-PMH ListRecords), and how many
    # it answers at a time.
    repository: list[dict[str, Any]] = field(default_factory=list)
    repository_page: int = 3
    # Researchers' works at ORCID: orcid -> the groups of ``/v3.0/{orcid}/works``.
    orcid_works: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Replies to give, in order, before the normal answer, per path prefix.
    script: dict[str, list[Reply]] = field(default_factory=dict)

    def requests_to(self, prefix: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path.startswith(prefix)]

    def answer(self, path: str, query: dict[str, list[str]] | None = None) -> Reply:
        for prefix, replies in self.script.items():
            if path.startswith(prefix) and replies:
                return replies.pop(0)
        if path.startswith("/v3.0/"):
            parts = path.split("/")  # '', 'v3.0', orcid, 'works' | 'work', put-code
            groups = self.orcid_works.get(parts[2])
            if groups is None:
                return Reply(404, {"response-code": 404, "user-message": "Not found"})
            if parts[3] == "works":
                return Reply(200, {"last-modified-date": None, "group": groups, "path": path})
            for group in groups:
                summary = group["work-summary"][0]
                if str(summary["put-code"]) == parts[4]:
                    title = summary["title"]["title"]["value"]
                    year = int(summary["publication-date"]["year"]["value"])
                    work = service_answers.orcid_work(parts[2], summary["put-code"], title, year)
                    return Reply(200, work)
            return Reply(404, {"response-code": 404})
        if path == "/oai":
            given = query or {}
            token = given.get("resumptionToken", [None])[0]
            page = service_answers.oai_list_records(self.repository, token, self.repository_page)
            return Reply(200, page, {"Content-Type": "text/xml; charset=utf-8"})
        if path == "/works":
            given = query or {}
            cursor = given.get("cursor", ["*"])[0]
            per_page = int(given.get("per_page", ["25"])[0])
            return Reply(200, service_answers.openalex_page(self.openalex_works, cursor, per_page))
        if path.startswith("/v2/"):
            doi = path[len("/v2/") :]
            if doi in self.unpaywall:
                return Reply(200, service_answers.unpaywall(doi, **self.unpaywall[doi]))
            return Reply(404, {"HTTP_status_code": 404, "error": True, "message": "not found"})
        if path.startswith("/works/https://doi.org/"):
            doi = path[len("/works/https://doi.org/") :]
            if doi in self.openalex:
                return Reply(200, service_answers.openalex(doi))
            return Reply(404, {"error": "NotFoundError"})
        if path.startswith("/works/"):
            doi = path[len("/works/") :]
            if doi in self.crossref:
                return Reply(200, service_answers.crossref(doi))
            return Reply(404, "Resource not found.")
        if path.startswith("/dois/"):
            doi = path[len("/dois/") :]
            if doi in self.datacite:
                return Reply(200, service_answers.datacite(doi, state=self.datacite[doi]))
            return Reply(404, service_answers.DATACITE_NOT_FOUND)
        if path.startswith("/api/handles/"):
            doi = path[len("/api/handles/") :]
            if doi in self.resolving:
                return Reply(200, service_answers.handle(doi))
            return Reply(404, service_answers.handle(doi, resolves=False))
        return Reply(404, {"error": "no such service"})


@contextmanager
def fake_services() -> Iterator[FakeServices]:
    services = FakeServices()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            path = unquote(parts.path)
            services.seen.append(
                Seen(path, parse_qs(parts.query), dict(self.headers.items()), time.monotonic())
            )
            reply = services.answer(path, parse_qs(parts.query))
            if reply.delay:
                time.sleep(reply.delay)
            body = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
            data = body.encode()
            self.send_response(reply.status)
            content_type = "text/plain" if isinstance(reply.body, str) else "application/json"
            self.send_header("Content-Type", reply.headers.pop("Content-Type", content_type))
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            # The client may have given up waiting (a timeout test).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    services.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield services
    finally:
        server.shutdown()
        server.server_close()


def stand_in_harvester(state: Any, services: FakeServices | None) -> Any:
    """A harvesting worker of the catalogue ``state`` asking the stand-in for OpenAlex (none
    for imports, which ask no outside service)."""
    import dataclasses

    from catalogue.adapters.harvest.jobs import Harvester

    settings = dataclasses.replace(
        state.settings,
        contact_email="library@example.org",
        openalex_url=services.url if services is not None else "http://127.0.0.1:9",
        orcid_url=services.url if services is not None else "http://127.0.0.1:9",
        crossref_url=services.url if services is not None else "http://127.0.0.1:9",
        enrichment_per_second=0.0,
        enrichment_timeout=2.0,
    )
    return Harvester(state.db, settings)


def stand_in_enricher(state: Any, services: FakeServices) -> Any:
    """An enrichment worker of the catalogue ``state`` asking the stand-in for every service
    (fast and polite enough for tests)."""
    import dataclasses

    from catalogue.adapters.enrichment.jobs import Enricher

    settings = dataclasses.replace(
        state.settings,
        contact_email="library@example.org",
        crossref_url=services.url,
        unpaywall_url=services.url,
        openalex_url=services.url,
        datacite_url=services.url,
        doi_url=services.url,
        enrichment_per_second=200.0,
        enrichment_timeout=2.0,
    )
    return Enricher(state.db, settings)
