"""Imports of customer and order files: CSV and XLSX, and the Seller Centre exports of Shopee,
Lazada and TikTok Shop.

``reader`` streams rows with their line numbers, ``mapping`` maps headings to fields (the
marketplace formats are in ``marketplaces``), ``rows`` turns one row into a draft (or bad
cells), ``plan`` decides what the import does (reads only), ``apply`` writes it in bulk and
``engine`` runs the whole thing. ``jobs`` holds the services that own the transaction and the
job, ``progress`` the progress file that lives outside it.
"""
