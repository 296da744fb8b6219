"""The data-subject registry covers every model: a model that points at a customer (directly or
through its parent row), or keeps free text, JSON or files, is either answered for by a part
(with both an export and an erasure, every field named personal or kept) or declared not about
a person. A new model or field fails here until someone decides."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.db import models
from hypothesis import given
from hypothesis import strategies as st

from samphan.core.datasubject import (
    DELETED,
    Holding,
    Part,
    Sweeper,
    holdings,
    register_part,
    registered_parts,
    scrub_json,
    unregister_part,
    unrelated_models,
)

FREE_FORM = (models.JSONField, models.FileField, models.TextField)


def _ours() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m.__module__.startswith("samphan.")]


def _about_a_customer() -> set[str]:
    """Customer, and every model whose foreign keys lead to it (an order line, through its
    order; a request's trail entry, through its request)."""
    found = {"customers.Customer"}
    grew = True
    while grew:
        grew = False
        for model in _ours():
            label = model._meta.label
            if label in found:
                continue
            for f in model._meta.get_fields():
                target = f.related_model if f.is_relation and f.concrete else None
                if target is not None and target._meta.label in found:
                    found.add(label)
                    grew = True
                    break
    return found


def _needs_a_decision() -> set[str]:
    free_form = {
        m._meta.label
        for m in _ours()
        if any(isinstance(f, FREE_FORM) for f in m._meta.concrete_fields)
    }
    return _about_a_customer() | free_form


def _fields(model: type[models.Model]) -> set[str]:
    names = {f.name for f in model._meta.concrete_fields} | {
        f.name for f in model._meta.local_many_to_many
    }
    return names - {model._meta.pk.name, "workspace"}


def test_every_model_about_a_person_or_with_free_text_is_decided() -> None:
    covered = set(holdings())
    unrelated = set(unrelated_models())
    undecided = sorted(_needs_a_decision() - covered - unrelated)
    assert undecided == [], f"add these to an app's privacy.py: {undecided}"
    assert covered & unrelated == set()
    # A model pointing at a customer cannot be declared unrelated.
    assert _about_a_customer() & unrelated == set()


def test_every_field_of_a_covered_model_is_personal_or_kept() -> None:
    for label, entries in holdings().items():
        model = apps.get_model(label)
        named: set[str] = set()
        for _part, holding in entries:
            named |= set(holding.personal) | set(holding.kept)
        unknown = named - _fields(model)
        assert unknown == set(), f"{label}: no such fields {sorted(unknown)}"
        missing = _fields(model) - named
        assert missing == set(), f"{label}: say whether {sorted(missing)} are personal or kept"


def test_every_part_exports_and_erases() -> None:
    parts = registered_parts()
    assert {p.key.split(".")[0] for p in parts} >= {
        "customers", "commerce", "timeline", "analytics", "segments", "imports", "core",
        "privacy",
    }  # fmt: skip
    for part in parts:
        assert callable(part.export) and callable(part.erase), part.key
        assert part.holds, part.key


def test_a_part_cannot_be_registered_without_an_erasure() -> None:
    with pytest.raises(TypeError):
        register_part(
            key="test.half",
            label="x",
            holds=[],
            export=lambda s: None,
            erase=None,  # type: ignore[arg-type]
        )
    with pytest.raises(ValueError):
        register_part(
            key="test.both",
            label="x",
            holds=[Holding("customers.Customer", personal=("notes",), kept=("notes",))],
            export=lambda s: None,
            erase=lambda s: 0,
        )
    part = register_part(
        key="test.ok",
        label="x",
        holds=[Holding("customers.Customer", personal=("notes",), how=DELETED)],
        export=lambda s: None,
        erase=lambda s: 0,
    )
    try:
        assert isinstance(part, Part)
        with pytest.raises(ValueError):
            register_part(key="test.ok", label="x", holds=[], export=print, erase=len)  # type: ignore[arg-type]
    finally:
        unregister_part("test.ok")


# --- the sweep finds a person's values however they are written -----------------------------

_thai_mobile = st.integers(min_value=600000000, max_value=999999999).map(lambda n: f"0{n}")


def _formats(national: str) -> list[str]:
    rest = national[1:]
    return [
        national,
        f"{national[:3]}-{national[3:6]}-{national[6:]}",
        f"+66 {rest[:2]} {rest[2:5]} {rest[5:]}",
        f"+66{rest}",
        rest,  # a spreadsheet number cell lost the leading 0
        f"โทร {national[:3]} {national[3:]} ค่ะ",
    ]


@given(national=_thai_mobile, name=st.text(alphabet="กขคงจฉชซดตถทนบปผพฟมยรลวสหอ", min_size=3))
def test_the_sweep_leaves_no_form_of_the_phone_or_name(national: str, name: str) -> None:
    sweeper = Sweeper.of([f"+66{national[1:]}", name])
    document = {
        "rows": [{"value": form, "line": i} for i, form in enumerate(_formats(national))],
        "label": f"คุณ{name} (VIP)",
        name: "a key that is their name",
    }
    scrubbed, changed = scrub_json(document, sweeper)
    text = json.dumps(scrubbed, ensure_ascii=False)
    assert changed
    assert national not in text and national[1:] not in text and name not in text
    assert [r["line"] for r in scrubbed["rows"]] == list(range(6))  # the structure stays
