"""The ``catalogue`` command line: calls services and adapters, never the HTTP API."""

from catalogue.cli import backups, harvesting  # noqa: F401  (they add their groups to main)
from catalogue.cli.commands import main

__all__ = ["main"]
