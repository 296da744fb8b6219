"""The merge table names every kind of linked row in the reader's language, never a model's
English name."""

from __future__ import annotations

from django.apps import apps
from django.utils import translation

from samphan.customers.models import Customer
from samphan.customers.views.merge import MODEL_LABELS, moved_label


def _keys() -> list[str]:
    keys = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if getattr(field, "related_model", None) is Customer and getattr(
                field, "concrete", False
            ):
                keys.append(f"{model._meta.label}.{field.name}")
    return keys


def test_every_linked_row_has_a_translatable_name() -> None:
    """Each label is a gettext string of the merge page (translated with the catalogue, see
    tests/web/test_locale.py), never a model's generated English name."""
    keys = _keys()
    assert "commerce.Order.customer" in keys
    with translation.override("en"):
        known = {str(label) for label in MODEL_LABELS.values()}
        known.add("Other linked records")  # a model added later, until it is named
        for key in keys:
            assert moved_label(key) in known, key
        assert moved_label("customers.Customer.merged_into") != moved_label(
            "customers.Customer.referred_by"
        )
