"""The Thai catalogue is complete, and the compiled .mo matches the .po.

Fresh machines may not have gettext, so the .mo is committed; this catches a forgotten
``compilemessages`` (or a forgotten translation after ``makemessages``).
"""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "th" / "LC_MESSAGES"
PO = LOCALE_DIR / "django.po"
MO = LOCALE_DIR / "django.mo"


def _key(entry: polib._BaseEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


def _translation(entry: polib._BaseEntry) -> tuple[str, ...]:
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    return (entry.msgstr,)


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(PO))


def test_every_message_is_translated(po: polib.POFile) -> None:
    missing = [e.msgid for e in po.untranslated_entries()]
    assert missing == [], f"untranslated Thai messages: {missing}"


def test_no_fuzzy_translations(po: polib.POFile) -> None:
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert fuzzy == [], f"fuzzy Thai messages (check and remove the flag): {fuzzy}"
    assert not po.metadata_is_fuzzy


def test_placeholders_survive_translation(po: polib.POFile) -> None:
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
    for entry in po.translated_entries():
        expected = sorted(placeholder.findall(entry.msgid))
        for text in _translation(entry):
            assert sorted(placeholder.findall(text)) == expected, entry.msgid


def test_plural_forms_are_thai(po: polib.POFile) -> None:
    assert po.metadata["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_mo_is_compiled_from_the_current_po(po: polib.POFile) -> None:
    assert MO.exists(), "run: manage.py compilemessages -l th --ignore=.venv"
    mo = polib.mofile(str(MO))
    po_map = {_key(e): _translation(e) for e in po.translated_entries() if not e.obsolete}
    mo_map = {_key(e): _translation(e) for e in mo if e.msgid}
    stale = sorted(
        str(k[1]) for k in po_map.keys() | mo_map.keys() if po_map.get(k) != mo_map.get(k)
    )
    assert stale == [], (
        "django.mo is out of date with django.po; run: "
        f"manage.py compilemessages -l th --ignore=.venv ({stale[:5]} …)"
    )
