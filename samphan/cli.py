"""The ``samphan`` command: one entry point over Django's management commands.

``samphan demo | serve | worker | migrate | createowner | seed | …`` — each has ``--help``.
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: samphan COMMAND [options]

Commands:
  demo          migrate, seed a Thai demo shop (first run only), print the login, serve
  serve         run the web server (gunicorn; workers and threads from the machine)
  worker        run a Celery worker (needs CELERY_BROKER_URL)
  migrate       create or update the database tables
  createowner   create a workspace and its owner
  seed          generate a believable Thai shop (also the benchmark data generator)
  import        import a CSV/XLSX or Shopee/Lazada/TikTok Shop export (progress bar, report)
  recompute     recompute RFM, lifetime value and segments for a workspace
  summaries     refresh purchase summaries and lifecycle stages (the nightly pass, for cron)
  events        list or retry reactions to events that failed after their retries
  apikey        create (prints the key once), list or revoke a workspace's API keys

Any other Django management command works too. `samphan COMMAND --help` for options.
"""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samphan.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["samphan", *argv])


if __name__ == "__main__":
    main()
