"""Possible duplicates (Customer 360): find them, store them, and let people say "not the same
person".

* Finding: blocking keys computed and grouped in the database (a name and part of a phone
  number, one number typed two ways, birthday + name, same email name or marketplace username,
  same address), then each candidate pair scored in Python by its evidence: contacts outweigh
  names, and a name counts for less the more customers of the shop share it (``scoring``). ``duplicate_candidates`` does this on the fly; it is the reference the
  stored list is checked against, and what the list page used to do on every request.
* Storing: ``duplicates_scan`` writes the scored pairs as ``DuplicateCandidate`` rows, for the
  whole workspace (the nightly task and "Scan again") or only for some customers (right after
  one is created or its name, phone or birthday changes: blocked on that customer's keys only).
  The page and the API read the stored rows (``duplicate_list``), best first, a page at a time.
* Dismissing: ``duplicate_dismiss`` records that two customers are different people
  (``DuplicateDismissal``); such a pair is never stored or listed again until
  ``duplicate_restore``.

Merging (``samphan.customers.merge``) removes the candidates of the merged-away customer and
rescans the survivor; undoing a merge rescans both.

The package, one job per module: ``scoring`` (a pair's score and reasons), ``keys`` (the
blocking keys: which pairs to score), ``candidates`` (pairs computed now), ``scan`` (storing
them, the rescans), ``listing`` (reading the stored pairs), ``dismissals`` ("not the same
person").
"""

from samphan.customers.duplicates.candidates import (
    Explanation,
    duplicate_candidates,
    duplicate_explain,
    name_counts,
)
from samphan.customers.duplicates.dismissals import (
    DismissalResult,
    duplicate_dismiss,
    duplicate_dismissal_list,
    duplicate_restore,
)
from samphan.customers.duplicates.keys import MAX_BLOCK, MAX_PAIRS
from samphan.customers.duplicates.listing import duplicate_list, duplicate_pairs
from samphan.customers.duplicates.scan import (
    KEY_FIELDS,
    ScanStatus,
    duplicate_scan_status,
    duplicates_forget,
    duplicates_scan,
    duplicates_scan_later,
    duplicates_scan_request,
)
from samphan.customers.duplicates.scoring import (
    THRESHOLD,
    DuplicatePair,
    NameCounts,
    Reason,
    name_parts,
    reason_note,
    reason_text,
    score_pair,
    strip_marks,
)

__all__ = [
    "KEY_FIELDS",
    "MAX_BLOCK",
    "MAX_PAIRS",
    "THRESHOLD",
    "DismissalResult",
    "DuplicatePair",
    "Explanation",
    "NameCounts",
    "Reason",
    "ScanStatus",
    "duplicate_candidates",
    "duplicate_dismiss",
    "duplicate_dismissal_list",
    "duplicate_explain",
    "duplicate_list",
    "duplicate_pairs",
    "duplicate_restore",
    "duplicate_scan_status",
    "duplicates_forget",
    "duplicates_scan",
    "duplicates_scan_later",
    "duplicates_scan_request",
    "name_counts",
    "name_parts",
    "reason_note",
    "reason_text",
    "score_pair",
    "strip_marks",
]
