"""``samphan seed``: a deterministic generator of a believable Thai shop.

Not a Django app: plain modules used by the ``seed`` management command and the benchmark.

* :mod:`samphan.seeding.data` — Thai names, nicknames, products, branches, campaigns.
* :mod:`samphan.seeding.calendar` — the shop's calendar: paydays, 11.11, Songkran, …
* :mod:`samphan.seeding.generator` — vectorised (numpy) generation of one chunk of customers
  with their contacts, orders, order lines and timeline events, as columns.
* :mod:`samphan.seeding.writers` — the database seam: bulk inserts on SQLite, COPY on PostgreSQL.
* :mod:`samphan.seeding.runner` — sets up the workspace and drives the chunks.
"""

from __future__ import annotations
