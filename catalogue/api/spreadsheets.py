"""CSV answers for spreadsheets: cells a spreadsheet would run as formulas made inert, rows
written as they come (an export of every security event needs no memory for all of them)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response

# A cell starting with one of these is a formula to a spreadsheet (OWASP's CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made inert with a leading apostrophe (as
    OWASP advises): a title such as =HYPERLINK(...) reaches library staff as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_answer(rows: Iterable[Iterable[Any]], filename: str) -> Response:
    """``rows`` (the first the header) as a CSV download, written as they come.  The rows are
    read after the view has returned and its request's session is closed: a generator that
    reads the database opens sessions of its own."""
    return Response(
        _lines(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
