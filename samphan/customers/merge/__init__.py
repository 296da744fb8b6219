"""Merging (Customer 360); finding possible duplicates is ``samphan.customers.duplicates``.

* ``customer_merge``: move everything of one customer to another (orders, contacts, consents,
  timeline, interactions, follow-ups, addresses, tags, referrals, and whatever apps added later
  point at a customer), keep the merged record as a hidden tombstone, log what moved.
* ``merge_undo``: move exactly the logged rows back and restore the survivor's profile.

Rows are found through ``Customer._meta`` (every foreign key to Customer, from any app), so this
module imports no app above customers (ARCHITECTURE rule 1) and needs no change when a new app
adds a model that points at a customer.

The package, one job per module: ``links`` (which rows point at a customer), ``fields`` (the
profile fields a merge decides), ``merging`` (merge and undo), ``log`` (the merge log and the
preview).
"""

from samphan.customers.merge.fields import BOTH, MERGE_FIELDS, MERGED, SURVIVOR, default_side
from samphan.customers.merge.links import CustomerLink, customer_links
from samphan.customers.merge.log import (
    FieldChoice,
    MergePreview,
    merge_get,
    merge_log_list,
    merge_preview,
)
from samphan.customers.merge.merging import customer_merge, merge_undo

__all__ = [
    "BOTH",
    "MERGED",
    "MERGE_FIELDS",
    "SURVIVOR",
    "CustomerLink",
    "FieldChoice",
    "MergePreview",
    "customer_links",
    "customer_merge",
    "default_side",
    "merge_get",
    "merge_log_list",
    "merge_preview",
    "merge_undo",
]
