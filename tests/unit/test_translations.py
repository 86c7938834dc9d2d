"""The pages' Dutch is complete and what the app loads is what the translators wrote."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "catalogue" / "web"
PO = WEB / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def _ids_in_the_code() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "_l": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(WEB), method_map=method_map, keywords=keywords
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_string_of_the_pages_has_a_dutch_translation() -> None:
    catalogue = read_po(PO.open("rb"))
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalogue
        if m.id and all(m.string if isinstance(m.string, tuple) else [m.string])
    }

    missing = _ids_in_the_code() - translated
    assert not missing, f"translate these in {PO}: {sorted(missing)}"
    assert not any(m.fuzzy for m in catalogue if m.id), "fuzzy entries are not used"


def test_the_compiled_catalogue_matches_the_translations() -> None:
    """Run `pybabel compile -d catalogue/web/translations` after editing the .po file."""
    written = BytesIO()
    write_mo(written, read_po(PO.open("rb")))
    written.seek(0)
    expected = {str(m.id): str(m.string) for m in read_mo(written) if m.id}
    loaded = {str(m.id): str(m.string) for m in read_mo(MO.open("rb")) if m.id}
    assert loaded == expected
