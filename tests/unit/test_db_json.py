"""JSON columns are read with orjson, and with the standard library where orjson refuses."""

from __future__ import annotations

import math

from catalogue.adapters.db import _read_json


def test_documents_read_the_same() -> None:
    text = b'{"title": "Cohort \\u00e9tude", "year": 2021, "score": 0.5, "tags": ["a", null]}'
    assert _read_json(text) == {
        "title": "Cohort \u00e9tude",
        "year": 2021,
        "score": 0.5,
        "tags": ["a", None],
    }


def test_a_number_beyond_a_double_still_reads() -> None:
    # jsonb holds such numbers; orjson refuses them, the column must still read.
    assert math.isinf(_read_json('{"n": 1e400}')["n"])
