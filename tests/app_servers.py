"""The catalogue served by real gunicorn processes, for tests of what crosses processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests

from catalogue.config import Settings
from tests.es_cluster import free_port


@contextmanager
def gunicorn(settings: Settings, workers: int = 1, **environ: str) -> Iterator[str]:
    """A gunicorn server of the catalogue with ``settings``; its base URL once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
         f"127.0.0.1:{port}", "--log-level", "warning", "catalogue.app:create_app()"],
        env={**os.environ, **settings.to_environ(), **environ},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if requests.get(f"{base}/livez", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or still importing
                pass
            assert server.poll() is None, "gunicorn stopped"
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
