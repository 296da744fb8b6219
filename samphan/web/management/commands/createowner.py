"""``samphan createowner``: a workspace and its owner, ready to log in."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from samphan.commerce.services import channels_ensure_defaults
from samphan.core.models import User
from samphan.core.services import workspace_create


class Command(BaseCommand):
    help = "Create a workspace (shop) and its owner account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="the owner's login email")
        parser.add_argument("--password", help="the owner's password (asked if not given)")
        parser.add_argument("--workspace-name", default="ร้านของฉัน", help="the shop's name")
        parser.add_argument("--language", choices=["th", "en"], default="th")

    def handle(self, *args: Any, **opts: Any) -> None:
        email = opts["email"].strip().lower()
        password = opts["password"] or getpass.getpass("Password: ")
        if len(password) < 8:
            raise CommandError("The password needs at least 8 characters.")
        if User.objects.filter(email=email).exists():
            raise CommandError(f"{email} already exists; log in or reset the password.")
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password)
            user.language = opts["language"]
            user.save(update_fields=["language"])
            workspace = workspace_create(name=opts["workspace_name"], owner=user)
            channels_ensure_defaults(workspace=workspace)
        self.stdout.write(f"Created workspace {workspace.pk} “{workspace.name}” owned by {email}")
