"""Mappings remembered per workspace and file shape.

A file's *shape* is what it holds (the import kind) and its heading row, compared as
``spec.header_key`` compares headings (case, spaces and punctuation do not matter) and in
order. When a person confirms a mapping (the mapping page, or a mapping given to the API or
the command line) and runs the import, it is remembered for that shape; the next upload of the
same shape starts from it instead of the guess from the headings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from django.utils import timezone

from samphan.core.access import Actor
from samphan.core.models import Workspace
from samphan.imports.errors import ImportFileError
from samphan.imports.mapping import mapping_as_json, mapping_clean
from samphan.imports.models import ImportMapping
from samphan.imports.spec import header_key


def mapping_shape(headers: list[str]) -> str:
    return hashlib.sha256("\x1f".join(header_key(h) for h in headers).encode()).hexdigest()


def mapping_remembered(
    *, workspace: Workspace, kind: str, headers: list[str]
) -> tuple[ImportMapping, dict[int, str]] | None:
    """The mapping confirmed for files of this shape, checked against today's fields (one
    that no longer fits is ignored)."""
    found = ImportMapping.objects.filter(
        workspace=workspace, kind=kind, shape=mapping_shape(headers)
    ).first()
    if found is None:
        return None
    try:
        columns = mapping_clean(kind, headers, found.columns)
    except ImportFileError:
        return None
    return found, columns


def mapping_remember(
    *,
    actor: Actor,
    kind: str,
    headers: list[str],
    columns: Mapping[int, str],
    date_orders: Mapping[str, str],
) -> ImportMapping:
    remembered, _created = ImportMapping.objects.update_or_create(
        workspace=actor.workspace,
        kind=kind,
        shape=mapping_shape(headers),
        defaults={
            "headers": headers,
            "columns": mapping_as_json(columns),
            "date_orders": dict(date_orders),
            "confirmed_by": actor.user if actor.user is not None and actor.user.pk else None,
            "confirmed_at": timezone.now(),
        },
    )
    return remembered
