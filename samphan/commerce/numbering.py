"""Order numbers written from outside the order service (imports): unique in the workspace.

The service numbers its own orders from ``OrderSequence`` (``commerce.services._next_number``);
an imported order keeps the number in its file unless another order of the workspace already
has it (the same number in another channel, say), and then gets "-2", "-3", … appended, as
migration 0007 renamed the duplicates it found. The file's number stays the order's external
id, so importing the file again still finds the order.
"""

from __future__ import annotations

from collections.abc import Sequence

from samphan.commerce.models import Order
from samphan.core.models import Workspace

NUMBER_MAX = Order._meta.get_field("number").max_length or 64
_BATCH = 500


def order_numbers_free(*, workspace: Workspace, numbers: Sequence[str]) -> list[str]:
    """``numbers``, in order, each made unique among the workspace's orders and the earlier
    numbers of the list."""
    taken: set[str] = set()
    wanted = sorted(set(numbers))
    for i in range(0, len(wanted), _BATCH):
        taken.update(
            Order.objects.filter(
                workspace=workspace, number__in=wanted[i : i + _BATCH]
            ).values_list("number", flat=True)
        )
    result = []
    for number in numbers:
        if number in taken:
            number = _suffixed(workspace, number, taken)
        taken.add(number)
        result.append(number)
    return result


def _suffixed(workspace: Workspace, number: str, taken: set[str]) -> str:
    k = 2
    while True:
        suffix = f"-{k}"
        candidate = number[: NUMBER_MAX - len(suffix)] + suffix
        if (
            candidate not in taken
            and not Order.objects.filter(workspace=workspace, number=candidate).exists()
        ):
            return candidate
        k += 1
