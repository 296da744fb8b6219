"""A customer's tags: set them (created as needed), with the change on the timeline."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from samphan.core.access import Actor, require
from samphan.core.roles import Perm
from samphan.core.thai.names import clean_text
from samphan.customers.events import CustomerUpdated
from samphan.customers.models import Customer, Tag
from samphan.customers.services.common import _customer_for_update, _invalid
from samphan.timeline.publish import publish


def _tag_names(names: list[str] | str) -> list[str]:
    if isinstance(names, str):
        names = names.split(",")
    cleaned: dict[str, str] = {}
    for raw in names:
        name = clean_text(str(raw)).lstrip("#")
        if not name:
            continue
        if len(name) > 60:
            raise _invalid(
                "tag_too_long",
                _("A tag has at most 60 characters: “%(name)s”.") % {"name": name},
                "tags",
            )
        cleaned.setdefault(name.casefold(), name)
    return sorted(cleaned.values(), key=str.casefold)


def _tags_apply(actor: Actor, customer: Customer, names: list[str] | str) -> dict[str, Any] | None:
    """Set the customer's tags, creating new ones for the workspace; the change or None."""
    wanted = _tag_names(names)
    before = sorted(customer.tags.values_list("name", flat=True), key=str.casefold)
    existing = {t.name.casefold(): t for t in Tag.objects.filter(workspace=actor.workspace)}
    tags: list[Tag] = []
    for name in wanted:
        tag = existing.get(name.casefold())
        if tag is None:
            tag, _created = Tag.objects.get_or_create(workspace=actor.workspace, name=name)
        tags.append(tag)
    after = sorted((t.name for t in tags), key=str.casefold)
    if after == before:
        return None
    customer.tags.set(tags)
    return {"from": before, "to": after}


def tag_set(*, actor: Actor, customer_id: int, names: list[str] | str) -> list[Tag]:
    """Replace the customer's tags with ``names`` (a list or comma-separated text); tags are
    created per workspace by name, matched without regard to case."""
    require(actor, Perm.CUSTOMER_EDIT)
    with transaction.atomic():
        customer = _customer_for_update(actor, customer_id)
        change = _tags_apply(actor, customer, names)
        if change:
            publish(
                CustomerUpdated(
                    workspace_id=actor.workspace.pk,
                    customer_id=customer.pk,
                    actor=actor,
                    changes={"tags": change},
                    section="tags",
                )
            )
    return list(customer.tags.order_by("name"))
