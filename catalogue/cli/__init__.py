"""The ``catalogue`` command line: calls services and adapters, never the HTTP API."""

from catalogue.cli import harvesting  # noqa: F401  (adds `catalogue harvest` to main)
from catalogue.cli.commands import main

__all__ = ["main"]
