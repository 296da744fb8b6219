"""Importers for customer and order files: CSV and XLSX, and the Seller Centre exports of
Shopee, Lazada and TikTok Shop.

``reader`` streams rows with their line numbers, ``fields`` maps headings to fields, ``rows``
turns one row into a draft (or bad cells), ``plan`` decides what the import does (reads only),
``apply`` writes it in bulk, ``engine`` runs the whole thing. The services that own the
transaction, the job and the progress are in ``samphan.commerce.imports``.
"""

from samphan.commerce.importers.engine import ImportRequest, run_import
from samphan.commerce.importers.errors import ImportFileError, RowError
from samphan.commerce.importers.fields import (
    KIND_FIELDS,
    FieldSpec,
    fields_for,
    mapping_clean,
    suggest_mapping,
)
from samphan.commerce.importers.reader import open_table, read_preview

__all__ = [
    "KIND_FIELDS",
    "FieldSpec",
    "ImportFileError",
    "ImportRequest",
    "RowError",
    "fields_for",
    "mapping_clean",
    "open_table",
    "read_preview",
    "run_import",
    "suggest_mapping",
]
