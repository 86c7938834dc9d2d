"""Errors raised by services; the API turns each into one JSON error format."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class InvalidInput(ServiceError):
    """Field-level problems, in the same shape as schema validation errors."""

    status = 422

    def __init__(
        self, fields: dict[str, Any], message: str = "Invalid input.", location: str = "json"
    ) -> None:
        # ``location`` as in schema errors: "json" (the body) or "query" (a query parameter).
        super().__init__(message, {location: fields})


class NotAuthenticated(ServiceError):
    status = 401


class Forbidden(ServiceError):
    status = 403


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class PreconditionFailed(ServiceError):
    status = 412


class PreconditionRequired(ServiceError):
    status = 428


class ServiceUnavailable(ServiceError):
    status = 503
