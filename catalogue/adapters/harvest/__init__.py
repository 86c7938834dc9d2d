"""Bringing the institution's output in: harvests from outside services, run as jobs."""
