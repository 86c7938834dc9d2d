"""The ``catalogue`` command line: calls services and adapters, never the HTTP API."""

from catalogue.cli.commands import main
from catalogue.cli import harvesting  # noqa: F401  (adds `catalogue harvest` to main)

__all__ = ["main"]
