"""A real OpenID Connect provider (npm ``oidc-provider``) and a catalogue that logs in with it."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin

import pytest
import requests
from flask import Flask

from catalogue.adapters import migrate
from catalogue.app import create_app
from catalogue.services.vocabularies import sync_vocabularies
from tests.integration.conftest import (  # noqa: F401 - fixtures shared with the integration tests
    empty_catalogue,
    es_url,
    index_prefix,
    make_settings,
    pg_url,
)

PROVIDER_DIR = Path(__file__).parent / "oidc"
CATALOGUE = "http://catalogue.test"
API_AUDIENCE = f"{CATALOGUE}/api"
PARTNER_CALLBACK = "http://partner.test/callback"

ACCOUNTS = {
    "alice": {
        "name": "Alice Aalders",
        "email": "alice@example.org",
        "email_verified": True,
        "groups": ["staff", "data-stewards"],
        "orcid": "https://orcid.org/0000-0002-1825-0097",
    },
    "bob": {"name": "Bob Boer", "email": "bob@example.org", "groups": ["staff"]},
}


class BackChannel:
    """Where the provider posts the catalogue's logout tokens: a relay that keeps each token
    and passes it on to ``target`` (a catalogue process the test starts), answering with
    that process's status.  A real HTTP hop, and the test can replay what the provider sent."""

    def __init__(self) -> None:
        self.target: str | None = None
        self.tokens: list[str] = []
        self.answers: list[int] = []
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                relay.tokens.extend(parse_qs(body.decode()).get("logout_token", []))
                status = 503
                if relay.target is not None:
                    status = requests.post(
                        relay.target + self.path,
                        data=body,
                        headers={"Content-Type": self.headers["Content-Type"]},
                        timeout=10,
                    ).status_code
                relay.answers.append(status)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/auth/backchannel-logout"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self, target: str | None) -> None:
        self.target, self.tokens, self.answers = target, [], []

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass(frozen=True)
class IdentityProvider:
    issuer: str
    client_id: str
    client_secret: str
    partner_id: str
    partner_secret: str
    backchannel: BackChannel

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdentityProvider]:
    node = shutil.which("node")
    if node is None or not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
        pytest.fail("node and tests/e2e/oidc/node_modules are needed: run scripts/test.sh")
    port = _free_port()
    backchannel = BackChannel()
    idp = IdentityProvider(
        issuer=f"http://127.0.0.1:{port}",
        client_id="catalogue",
        client_secret=secrets.token_urlsafe(32),
        partner_id="partner-script",
        partner_secret=secrets.token_urlsafe(32),
        backchannel=backchannel,
    )
    config = {
        "clients": [
            {
                "client_id": idp.client_id,
                "client_secret": idp.client_secret,
                "redirect_uris": [f"{CATALOGUE}/auth/callback"],
                "post_logout_redirect_uris": [f"{CATALOGUE}/"],
                "backchannel_logout_uri": backchannel.url,
                # The ID and logout tokens then carry the provider's session id (sid).
                "backchannel_logout_session_required": True,
            },
            {
                "client_id": idp.partner_id,
                "client_secret": idp.partner_secret,
                "redirect_uris": [PARTNER_CALLBACK],
            },
        ],
        "accounts": ACCOUNTS,
    }
    config_path = tmp_path_factory.mktemp("oidc") / "config.json"
    config_path.write_text(json.dumps(config))
    log = (config_path.parent / "provider.log").open("w")
    process = subprocess.Popen(
        [node, "provider.mjs", str(port), str(config_path)],
        cwd=PROVIDER_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(idp.discovery_url, timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"the OIDC provider did not start; see {log.name}")
            time.sleep(0.2)
        yield idp
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        backchannel.close()


@pytest.fixture(scope="session")
def sso_app(
    pg_url: str,  # noqa: F811
    es_url: str,  # noqa: F811
    index_prefix: str,  # noqa: F811
    provider: IdentityProvider,
) -> Iterator[Flask]:
    application = create_app(
        make_settings(
            pg_url,
            elasticsearch_url=es_url,
            index_prefix=f"{index_prefix}-sso",
            base_url=CATALOGUE,
            dev_login=False,
            oidc_discovery_url=provider.discovery_url,
            oidc_client_id=provider.client_id,
            oidc_client_secret=provider.client_secret,
            oidc_role_map="data-stewards=data_steward,library=librarian",
            oidc_api_audience=API_AUDIENCE,
        )
    )
    state = application.extensions["catalogue"]
    migrate.upgrade(state.db.engine)
    with state.db.unit_of_work() as session:
        sync_vocabularies(session)
    yield application
    state.db.dispose()


@pytest.fixture(autouse=True)
def _empty_sso_catalogue(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sso_app" in request.fixturenames:
        empty_catalogue(request.getfixturevalue("sso_app"))


def sign_in_at_provider(http: requests.Session, url: str, issuer: str, login: str) -> str:
    """Go through the provider's own login and consent pages, as a person would.

    Returns the URL the provider finally sends the browser to (back to the client).
    """
    for _step in range(10):
        response = http.get(url, allow_redirects=False, timeout=10)
        while response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if not url.startswith(issuer):
                return url
            response = http.get(url, allow_redirects=False, timeout=10)
        prompt = re.search(r'name="prompt" value="(\w+)"', response.text)
        action = re.search(r'<form[^>]*action="([^"]+)"', response.text)
        assert prompt and action, response.text[:2000]
        form = {"prompt": prompt.group(1)}
        if prompt.group(1) == "login":
            form |= {"login": login, "password": "any"}
        submitted = http.post(urljoin(url, action.group(1)), data=form, allow_redirects=False)
        assert submitted.is_redirect, submitted.text[:2000]
        url = urljoin(url, submitted.headers["Location"])
        if not url.startswith(issuer):
            return url
    raise AssertionError("the provider's pages did not lead back to the client")


def provider_access_token(idp: IdentityProvider, login: str, resource: str) -> str:
    """A JWT access token for ``resource``, got by a partner's script through the code flow."""
    http = requests.Session()
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    query = urlencode(
        {
            "client_id": idp.partner_id,
            "response_type": "code",
            "scope": "openid read write",
            "redirect_uri": PARTNER_CALLBACK,
            "resource": resource,
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    back = sign_in_at_provider(http, f"{idp.issuer}/auth?{query}", idp.issuer, login)
    code = re.search(r"[?&]code=([^&]+)", back)
    assert code, back
    token = http.post(
        f"{idp.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code.group(1),
            "redirect_uri": PARTNER_CALLBACK,
            "code_verifier": verifier,
            "resource": resource,
        },
        auth=(idp.partner_id, idp.partner_secret),
        timeout=10,
    )
    assert token.ok, token.text
    access: str = token.json()["access_token"]
    return access
