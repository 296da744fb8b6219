"""``samphan demo``: migrate, seed a Thai demo shop once, print the login, serve."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from samphan.analytics.recompute import metrics_recompute
from samphan.commerce.services import channels_ensure_defaults
from samphan.core.models import Branch, Membership, User, Workspace
from samphan.core.roles import Role
from samphan.core.services import workspace_create
from samphan.customers.models import Customer, DuplicateScan
from samphan.customers.tasks import duplicates_scan_task
from samphan.seeding.journeys_demo import journeys_seed
from samphan.seeding.service_demo import service_feedback_seed
from samphan.web.management.commands.serve import serve

DEMO_EMAIL = "owner@samphan.demo"
DEMO_PASSWORD = "samphan-demo"
DEMO_SHOP_NAME = "ร้านสัมพันธ์ คาเฟ่ & คอสเมติก"
DEMO_MEMBERS = [
    ("manager@samphan.demo", Role.MANAGER),
    ("staff@samphan.demo", Role.STAFF),
    ("marketing@samphan.demo", Role.MARKETER),
    ("support@samphan.demo", Role.SUPPORT),
]


class Command(BaseCommand):
    help = "Set up and run the demo: SQLite, a seeded Thai shop, a printed URL and login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--customers", type=int, default=2000)
        parser.add_argument("--months", type=int, default=18)
        parser.add_argument("--no-serve", action="store_true", help="set up only, do not serve")

    def handle(self, *args: Any, **opts: Any) -> None:
        self.stdout.write("Preparing the database …")
        call_command("migrate", interactive=False, verbosity=0)
        workspace = demo_workspace() or demo_workspace_create()
        if not Customer.objects.filter(workspace=workspace).exists():
            self.stdout.write(f"Seeding a demo shop with {opts['customers']:,} customers …")
            call_command(
                "seed",
                workspace=workspace.pk,
                customers=opts["customers"],
                months=opts["months"],
                seed=2569,
                verbosity=1,
            )
            self.stdout.write("Computing RFM segments and lifetime value …")
            metrics_recompute(workspace=workspace)
            staff = Membership.objects.filter(workspace=workspace, role=Role.STAFF).first()
            first_branch = Branch.objects.filter(workspace=workspace).order_by("pk").first()
            if staff is not None and first_branch is not None:
                staff.branches.set([first_branch])
            # The seed scanned its shop for duplicates once at its end (a full scan: every
            # customer is new); a shop too small for that (--customers under 1,001) gets it here.
            if not DuplicateScan.objects.filter(workspace=workspace).exists():
                duplicates_scan_task.apply(args=(workspace.pk,))
            self.stdout.write("Opening service tickets and collecting survey answers …")
            service = service_feedback_seed(workspace=workspace)
            self.stdout.write(f"  {service.tickets} tickets, {service.responses} survey answers")
            made = journeys_seed(workspace=workspace)
            self.stdout.write(f"  {made} automated journeys switched on")
        else:
            self.stdout.write(f"Reusing the demo shop “{workspace.name}”.")
        url = f"http://{opts['host']}:{opts['port']}/"
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Samphan demo is ready: {url}\n"
                f"  Log in as {DEMO_EMAIL} / password {DEMO_PASSWORD}\n"
                f"  (also manager@, staff@, marketing@, support@samphan.demo, same password)\n"
            )
        )
        if not opts["no_serve"]:
            serve(host=opts["host"], port=opts["port"])


def demo_workspace() -> Workspace | None:
    membership = Membership.objects.filter(user__email=DEMO_EMAIL).select_related("workspace")
    first = membership.first()
    return first.workspace if first is not None else None


def demo_workspace_create() -> Workspace:
    """The demo owner, the shop and one member of each other role (same password)."""
    with transaction.atomic():
        owner = User.objects.create_user(email=DEMO_EMAIL, password=DEMO_PASSWORD)
        workspace = workspace_create(name=DEMO_SHOP_NAME, owner=owner)
        channels_ensure_defaults(workspace=workspace)
        for email, role in DEMO_MEMBERS:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD)
            Membership.objects.create(workspace=workspace, user=user, role=role)
    return workspace
