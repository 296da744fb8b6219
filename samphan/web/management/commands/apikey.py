"""``samphan apikey create | list | revoke``: a workspace's API keys, for headless set-up.

``create`` prints the new key alone on standard output, once (only a digest is stored), so a
script can capture it: ``KEY=$(samphan apikey create --workspace 1 --name pos --scope read)``;
what was created goes to standard error. Creating and revoking are written to the audit log, as
from the settings page, by "command line". A bad workspace, scope or key id exits non-zero.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError
from samphan.core.models import ApiKey, Workspace
from samphan.core.roles import Role
from samphan.core.selectors import api_key_list
from samphan.core.services import API_KEY_PREFIX, api_key_create, api_key_revoke

AUDIT_LABEL = "command line (samphan apikey)"


class Command(BaseCommand):
    help = "Create, list or revoke a workspace's API keys. A new key is printed once."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="create a key and print it once")
        create.add_argument("--name", required=True, help="what the key is for, e.g. pos")
        create.add_argument(
            "--scope",
            required=True,
            choices=ApiKey.Scope.values,
            help="read: read only; read_write: read and write",
        )
        listing = actions.add_parser("list", help="the workspace's keys (never their secrets)")
        revoke = actions.add_parser("revoke", help="revoke a key: it stops working at once")
        revoke.add_argument("--id", type=int, required=True, help="the key's id (see list)")
        for sub in (create, listing, revoke):
            sub.add_argument("--workspace", type=int, required=True, help="workspace id")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = Workspace.objects.filter(pk=options["workspace"]).first()
        if workspace is None:
            raise CommandError(f"No workspace {options['workspace']}.")
        # The operator at the console acts with the owner's rights; the audit log says so.
        actor = Actor(workspace=workspace, role=Role.OWNER)
        try:
            if options["action"] == "create":
                self._create(actor, options["name"], options["scope"])
            elif options["action"] == "list":
                self._list(actor)
            else:
                self._revoke(actor, options["id"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc

    def _create(self, actor: Actor, name: str, scope: str) -> None:
        if not name.strip():
            raise CommandError("Give the key a name (--name), e.g. pos.")
        new = api_key_create(actor=actor, name=name, scope=scope, actor_label=AUDIT_LABEL)
        self.stdout.write(new.secret)
        self.stderr.write(
            f"Created API key {new.key.pk} “{new.key.name}” ({scope}) for workspace "
            f"{actor.workspace.pk} “{actor.workspace.name}”. Store it now: it is not shown again."
        )

    def _list(self, actor: Actor) -> None:
        keys = list(api_key_list(actor=actor).order_by("pk"))
        if not keys:
            self.stderr.write(f"Workspace {actor.workspace.pk} has no API keys.")
            return
        self.stdout.write(f"{'id':>5}  {'name':<24} {'scope':<10} {'key starts':<18} status")
        for key in keys:
            if key.revoked_at is not None:
                status = f"revoked {key.revoked_at:%Y-%m-%d}"
            elif key.last_used_at is not None:
                status = f"active, last used {timezone.localtime(key.last_used_at):%Y-%m-%d %H:%M}"
            else:
                status = "active, never used"
            self.stdout.write(
                f"{key.pk:>5}  {key.name[:24]:<24} {key.scope:<10} "
                f"{API_KEY_PREFIX + key.prefix + '_…':<18} {status}"
            )

    def _revoke(self, actor: Actor, key_id: int) -> None:
        key = api_key_revoke(actor=actor, key_id=key_id, actor_label=AUDIT_LABEL)
        self.stdout.write(f"Revoked API key {key.pk} “{key.name}”.")
