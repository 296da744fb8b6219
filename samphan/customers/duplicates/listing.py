"""Reading the stored candidates: a page of pairs, best first, with a suggested survivor."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from samphan.core.access import Actor, require
from samphan.core.roles import Perm
from samphan.customers.duplicates.scoring import DuplicatePair, Reason, _keep_rank
from samphan.customers.models import Customer, DuplicateCandidate, DuplicateDismissal


def duplicate_list(*, actor: Actor) -> QuerySet[DuplicateCandidate]:
    """The stored pairs, most likely first (``score`` desc, then ids): slice or paginate it,
    then turn a page into pairs with ``duplicate_pairs``. Read straight off the
    (workspace, score) index: merges and dismissals delete their rows when they happen, and
    ``duplicate_pairs`` drops any a concurrent scan wrote meanwhile."""
    require(actor, Perm.CUSTOMER_VIEW)
    return DuplicateCandidate.objects.filter(workspace=actor.workspace).order_by(
        "-score", "customer_a_id", "customer_b_id"
    )


def duplicate_pairs(rows: Iterable[DuplicateCandidate]) -> list[DuplicatePair]:
    """Stored rows (a page of ``duplicate_list``) as pairs with a suggested survivor (more
    orders, then the older record; decided when read, since orders keep arriving). Pairs of a
    merged-away customer and dismissed pairs are left out, even before a rescan removes them."""
    rows = list(rows)
    if not rows:
        return []
    # The customers in a second query: a deep page's OFFSET then walks the score index alone.
    ids = {pk for row in rows for pk in (row.customer_a_id, row.customer_b_id)}
    customers = {
        c.pk: c
        for c in Customer.objects.filter(
            workspace_id=rows[0].workspace_id, pk__in=ids, merged_into__isnull=True
        ).prefetch_related("contacts")
    }
    dismissed = set(
        DuplicateDismissal.objects.filter(
            workspace_id=rows[0].workspace_id, customer_a_id__in=ids, customer_b_id__in=ids
        ).values_list("customer_a_id", "customer_b_id")
    )
    pairs = []
    for row in rows:
        x, y = customers.get(row.customer_a_id), customers.get(row.customer_b_id)
        if x is None or y is None or (x.pk, y.pk) in dismissed:
            continue  # merged away or dismissed while a scan was writing
        if _keep_rank(y.orders_count, y.created_at, y.pk) > _keep_rank(
            x.orders_count, x.created_at, x.pk
        ):
            x, y = y, x
        reasons = [Reason.from_json(r) for r in row.reasons if isinstance(r, dict)]
        pairs.append(DuplicatePair(survivor=x, merged=y, score=row.score, reasons=reasons))
    return pairs
