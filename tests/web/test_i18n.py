"""The English catalog: every string of the interface is translated, and the compiled
catalog committed with the code is the one its .po file gives (a fresh clone needs no
compile step)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "web/translations/en/LC_MESSAGES/messages.po"
MO = ROOT / "web/translations/en/LC_MESSAGES/messages.mo"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_ids() -> set[str]:
    method_map = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_every_interface_string_has_an_english_translation() -> None:
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and m.string and (all(m.string) if isinstance(m.string, tuple) else True)
    }
    missing = sorted(_source_ids() - translated)
    assert missing == [], f"add these to {PO.relative_to(ROOT)} and compile: {missing}"


def _messages(data: bytes) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in read_mo(BytesIO(data)) if m.id}


def test_committed_mo_matches_the_po() -> None:
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    fresh = _messages(buffer.getvalue())
    committed = _messages(MO.read_bytes())
    assert committed == fresh, "run: .venv/bin/pybabel compile -d web/translations"
