"""The privacy pages, under Settings → Privacy (PDPA), and a person's export and erasure from
the customer page. Owners and managers only; every page shows personal data or could, so every
answer is sent with ``Cache-Control: no-store`` (``private_page``)."""
