"""Log lines: a retry on another search node is one line, not a traceback."""

from __future__ import annotations

import logging

from catalogue.adapters.logs import OneLineRetries, TextFormatter


def _retry_warning() -> logging.LogRecord:
    try:
        raise ConnectionRefusedError(111, "Connection refused")
    except ConnectionRefusedError as error:
        return logging.LogRecord(
            "elastic_transport.transport", logging.WARNING, __file__, 1,
            "Retrying request after failure (attempt %d of %d)", (0, 3), (type(error), error, None),
        )  # fmt: skip


def test_a_retried_request_is_logged_on_one_line_with_its_error() -> None:
    record = _retry_warning()
    assert OneLineRetries().filter(record)
    line = TextFormatter().format(record)
    assert "\n" not in line and "Traceback" not in line
    assert "Retrying request after failure (attempt 0 of 3): ConnectionRefusedError" in line
    assert "Connection refused" in line


def test_other_records_keep_their_traceback() -> None:
    record = _retry_warning()
    record.levelno, record.levelname = logging.ERROR, "ERROR"
    assert OneLineRetries().filter(record)
    line = TextFormatter().format(record)
    assert "\nConnectionRefusedError" in line  # the exception, below the message
