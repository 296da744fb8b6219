"""The Thai catalogue is complete, and the compiled .mo matches the .po.

Fresh machines may not have gettext, so the .mo is committed; this catches a forgotten
``compilemessages`` (or a forgotten translation after ``makemessages``).
"""

from __future__ import annotations

import ast
import re
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


# --- every string the code and templates show has a Thai translation ------------------------
#
# What ``makemessages`` would extract, read with Python alone (no gettext on the machine
# needed): gettext calls in the source (the same keywords Django gives xgettext) and the
# translate/blocktranslate tags of every template (through Django's own ``templatize``).

SOURCE = Path(settings.BASE_DIR)
_KEYWORDS = {
    # name: (index of the context or None, index of msgid, index of the plural or None)
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def _messages_in_call(node: ast.Call) -> tuple[str | None, str] | None:
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    if name not in _KEYWORDS:
        return None
    ctx_at, msgid_at, _plural_at = _KEYWORDS[name]
    args = node.args

    def text(i: int | None) -> str | None:
        if i is None or i >= len(args):
            return None
        arg = args[i]
        return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None

    msgid = text(msgid_at)
    if not msgid:
        return None
    return (text(ctx_at), msgid)


def _python_messages(path: Path) -> set[tuple[str | None, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (message := _messages_in_call(node)):
            found.add(message)
    return found


_CALL = re.compile(r"\b(npgettext|pgettext|ngettext|gettext)\(")


def _template_messages(path: Path) -> set[tuple[str | None, str]]:
    from django.utils.translation.template import templatize

    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    found = set()
    for match in _CALL.finditer(code):
        # The call runs to its closing parenthesis, outside the quoted strings.
        depth, i, quote = 0, match.end() - 1, ""
        while i < len(code):
            ch = code[i]
            if quote:
                if ch == "\\":
                    i += 1
                elif ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        call = ast.parse(code[match.start() : i + 1], mode="eval").body
        if isinstance(call, ast.Call) and (message := _messages_in_call(call)):
            found.add(message)
    return found


def extracted_messages() -> set[tuple[str | None, str]]:
    found: set[tuple[str | None, str]] = set()
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" not in path.parts:
            found |= _python_messages(path)
    for suffix in ("*.html", "*.txt"):
        for path in sorted(SOURCE.rglob(suffix)):
            if "templates" in path.parts:
                found |= _template_messages(path)
    return found


def test_extraction_finds_the_messages_makemessages_would() -> None:
    found = extracted_messages()
    assert (None, "Quick sale") in found  # navigation.py, gettext_lazy as _
    assert ("on or off", "Active") in found  # a template's {% translate … context … %}
    assert (None, "%(shown)s customer") in found  # a {% blocktranslate count %}


def test_every_string_shown_has_a_thai_translation(po: polib.POFile) -> None:
    translated = {_key(e) for e in po.translated_entries() if not e.obsolete}
    missing = sorted(
        (m for m in extracted_messages() if m not in translated), key=lambda m: (m[1], m[0] or "")
    )
    assert missing == [], (
        f"{len(missing)} strings in the code or templates have no Thai translation "
        f"(run makemessages -l th, translate, compilemessages): {missing[:40]}"
    )
