"""The ``catalogue`` command line: calls services and adapters, never the HTTP API."""

from catalogue.cli.commands import main

__all__ = ["main"]
