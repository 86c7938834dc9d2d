"""Enrichment from the scholarly metadata services: ``http`` (the polite client), ``sources``
(each service's documented answer in our wire format), ``fill`` (only what is empty) and
``jobs`` (background jobs a worker runs, record by record)."""
