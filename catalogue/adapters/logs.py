"""Log lines for people (text) or for a log collector (JSON, one object per line).

``CATALOGUE_LOG_FORMAT``: ``json``, ``text``, or ``auto`` (the default: JSON in production,
text elsewhere); ``CATALOGUE_LOG_LEVEL`` (``INFO`` by default).  Every line written while a
request is served carries its request id, and the indexing worker's lines name the requests
whose changes they index: one id finds a change from the API to the index.

Logging is set up once per process, and only when nobody has done it before (gunicorn's
``--log-config``, a test runner): their choice wins.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from catalogue.domain import tracing

_CHATTY = ("elastic_transport", "alembic", "urllib3")
# What every LogRecord has: the rest of a record's attributes came as ``extra``.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, the extras."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (request_id := tracing.current()) is not None:
            line["request_id"] = request_id
        line.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        request_id = tracing.current()
        return f"{text} [request {request_id}]" if request_id else text


class OneLineRetries(logging.Filter):
    """elastic_transport logs every request it retries on another node as a warning with the
    whole traceback: while a node is away that is dozens of tracebacks a second, burying what
    else happens.  The error's own message on the warning's line says the same."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.WARNING and record.exc_info and record.exc_info[1]:
            error = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(error).__name__}: {error}"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True


def configure(log_format: str, level: str, production: bool) -> bool:
    """Log to standard error in ``log_format``, unless logging is set up already; whether it
    was set up here."""
    root = logging.getLogger()
    if root.handlers:
        return False
    handler = logging.StreamHandler(sys.stderr)
    wants_json = log_format == "json" or (log_format == "auto" and production)
    handler.setFormatter(JsonFormatter() if wants_json else TextFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Libraries that log every request or step at INFO: their warnings are what matters.
    for chatty in _CHATTY:
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
    logging.getLogger("elastic_transport.transport").addFilter(OneLineRetries())
    return True
