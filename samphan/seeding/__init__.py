"""``samphan seed``: a deterministic generator of a believable Thai shop.

Not a Django app: plain modules used by the ``seed`` management command and the benchmark.

* :mod:`samphan.seeding.data` — Thai names, nicknames, products, branches, campaigns.
* :mod:`samphan.seeding.calendar` — the shop's calendar: paydays, 11.11, Songkran, …
* :mod:`samphan.seeding.generator` — vectorised (numpy) generation of one chunk of customers
  with their contacts, orders and order lines, as columns.
* :mod:`samphan.seeding.writers` — a chunk through the domains' bulk services (customers,
  contacts, orders), which write the rows (``executemany`` on SQLite, ``COPY`` on PostgreSQL)
  and the timeline events, and whose subscribers keep the purchase summaries, lifecycle
  stages and possible duplicates.
* :mod:`samphan.seeding.runner` — sets up the workspace and drives the chunks.
"""

from __future__ import annotations
