"""Ranges the domain accepts for numbers, whatever the edge (API, pages, imports)."""

from __future__ import annotations

# ฿10,000 million: far above any sale, and far below what the sums of many orders (analytics,
# purchase summaries) could overflow in a 64-bit column.
MAX_SATANG = 10**12
# OrderLine.quantity is a 32-bit integer column.
MAX_QUANTITY = 2**31 - 1
# Primary keys are 64-bit.
MAX_ID = 2**63 - 1
