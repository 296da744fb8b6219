"""Settings: shop profile, branches, sales channels, members, API keys, audit log."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from samphan.commerce import selectors as commerce_selectors
from samphan.commerce import services as commerce_services
from samphan.core import selectors as core_selectors
from samphan.core import services as core_services
from samphan.core.access import Actor
from samphan.core.audit import client_ip
from samphan.core.errors import ApplicationError
from samphan.core.mfa import members_without_mfa, workspace_mfa_policy_set
from samphan.core.roles import Perm
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.web.forms import (
    ApiKeyForm,
    BranchEditForm,
    BranchForm,
    ChannelForm,
    MemberAddForm,
    MemberRoleForm,
    MfaPolicyForm,
    WorkspaceProfileForm,
)
from samphan.web.invitations import send_member_invite
from samphan.web.navigation import SETTINGS_NAV, visible

AUDIT_PER_PAGE = 50

AUDIT_ACTIONS = {
    "workspace.created": gettext_lazy("Shop created"),
    "member.added": gettext_lazy("Member added"),
    "member.role_changed": gettext_lazy("Role changed"),
    "member.removed": gettext_lazy("Member removed"),
    "workspace.mfa_policy_changed": gettext_lazy("Two-step sign-in rule changed"),
    "apikey.created": gettext_lazy("API key created"),
    "apikey.revoked": gettext_lazy("API key revoked"),
    "auth.login": gettext_lazy("Signed in"),
    "auth.logout": gettext_lazy("Signed out"),
    "auth.login_failed": gettext_lazy("Failed sign-in"),
    "auth.mfa_added": gettext_lazy("Two-step sign-in turned on"),
    "auth.mfa_removed": gettext_lazy("Two-step sign-in turned off"),
    "customers.exported": gettext_lazy("Customers exported"),
    "customers.merged": gettext_lazy("Customers merged"),
    "customers.unmerged": gettext_lazy("Merge reversed"),
    # PDPA (samphan.privacy): a person's data, requests, breaches, retention, and changes to
    # customers recorded by its subscribers.
    "privacy.exported": gettext_lazy("Personal data exported"),
    "privacy.erased": gettext_lazy("Personal data erased"),
    "privacy.request_received": gettext_lazy("Privacy request received"),
    "privacy.request_updated": gettext_lazy("Privacy request updated"),
    "privacy.breach_recorded": gettext_lazy("Breach recorded"),
    "privacy.breach_updated": gettext_lazy("Breach updated"),
    "privacy.breach_closed": gettext_lazy("Breach closed"),
    "privacy.breach_reminder": gettext_lazy("Breach reminder sent"),
    "privacy.settings_changed": gettext_lazy("Privacy settings changed"),
    "privacy.retention_enabled": gettext_lazy("Retention policy switched on"),
    "privacy.retention_disabled": gettext_lazy("Retention policy switched off"),
    "privacy.retention_ran": gettext_lazy("Retention policy applied"),
    "consent.changed": gettext_lazy("Consent changed"),
    "customer.profile_updated": gettext_lazy("Customer profile edited"),
    "customer.contact_removed": gettext_lazy("Contact removed"),
    "imports.written": gettext_lazy("Import saved"),
    "customers.bulk_changed": gettext_lazy("Customers changed in bulk"),
}


@member_required(Perm.SETTINGS_VIEW)
def settings_index(request: HttpRequest) -> HttpResponse:
    """The list of settings sections this role may open (the phone's settings menu)."""
    sections = visible(SETTINGS_NAV, current_actor(request))
    return render(request, "web/settings/index.html", {"sections": sections})


# --- shop profile -------------------------------------------------------------------------


@member_required(Perm.WORKSPACE_EDIT)
@require_http_methods(["GET", "POST"])
def settings_profile(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    workspace = actor.workspace
    if request.method == "POST":
        form = WorkspaceProfileForm(request.POST)
        if form.is_valid():
            try:
                core_services.workspace_update(
                    actor=actor,
                    name=form.cleaned_data["name"],
                    currency=form.cleaned_data["currency"],
                    timezone_name=form.cleaned_data["timezone"],
                    money_decimals=form.cleaned_data["money_decimals"],
                )
            except (ApplicationError, ValidationError) as exc:
                workspace.refresh_from_db()
                add_application_error(form, exc)
            else:
                messages.success(request, _("Shop profile saved."))
                return redirect("web:settings_profile")
    else:
        form = WorkspaceProfileForm(
            initial={
                "name": workspace.name,
                "currency": workspace.currency,
                "timezone": workspace.timezone,
                "money_decimals": "1" if workspace.money_decimals else "0",
            }
        )
    return render(request, "web/settings/profile.html", {"form": form})


# --- branches -------------------------------------------------------------------------------


@member_required(Perm.BRANCH_MANAGE)
def branch_list(request: HttpRequest) -> HttpResponse:
    branches = core_selectors.branch_list(actor=current_actor(request))
    return render(request, "web/settings/branch_list.html", {"branches": branches})


@member_required(Perm.BRANCH_MANAGE)
@require_http_methods(["GET", "POST"])
def branch_create(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    form = BranchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            branch = core_services.branch_create(actor=actor, **form.cleaned_data)
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Branch “%(name)s” added.") % {"name": branch.name})
            return redirect("web:branch_list")
    return render(request, "web/settings/branch_form.html", {"form": form, "branch": None})


@member_required(Perm.BRANCH_MANAGE)
@require_http_methods(["GET", "POST"])
def branch_edit(request: HttpRequest, branch_id: int) -> HttpResponse:
    actor = current_actor(request)
    branch = core_selectors.branch_get(actor=actor, branch_id=branch_id)
    if request.method == "POST":
        form = BranchEditForm(request.POST)
        if form.is_valid():
            try:
                branch = core_services.branch_update(
                    actor=actor, branch_id=branch.pk, **form.cleaned_data
                )
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(request, _("Branch “%(name)s” saved.") % {"name": branch.name})
                return redirect("web:branch_list")
    else:
        form = BranchEditForm(
            initial={
                "name": branch.name,
                "code": branch.code,
                "province": branch.province,
                "is_active": branch.is_active,
            }
        )
    return render(request, "web/settings/branch_form.html", {"form": form, "branch": branch})


# --- sales channels -------------------------------------------------------------------------


@member_required(Perm.CHANNEL_MANAGE)
@require_http_methods(["GET", "POST"])
def channel_list(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    form = ChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            channel = commerce_services.channel_create(actor=actor, **form.cleaned_data)
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Channel “%(name)s” added.") % {"name": channel.name})
            return redirect("web:channel_list")
    channels = commerce_selectors.channel_list(actor=actor)
    return render(request, "web/settings/channel_list.html", {"channels": channels, "form": form})


@member_required(Perm.CHANNEL_MANAGE)
@require_http_methods(["POST"])
def channel_add_defaults(request: HttpRequest) -> HttpResponse:
    """Add one channel of each kind (store, LINE, Shopee, …) that the shop does not have yet."""
    commerce_services.channels_ensure_defaults(workspace=current_actor(request).workspace)
    messages.success(request, _("Standard sales channels added."))
    return redirect("web:channel_list")


@member_required(Perm.CHANNEL_MANAGE)
@require_http_methods(["GET", "POST"])
def channel_set_active(request: HttpRequest, channel_id: int) -> HttpResponse:
    actor = current_actor(request)
    channel = commerce_selectors.channel_get(actor=actor, channel_id=channel_id)
    if request.method == "POST":
        channel = commerce_services.channel_set_active(
            actor=actor, channel_id=channel.pk, is_active=request.POST.get("active") == "1"
        )
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "web/settings/_channel_row.html", {"channel": channel})
        if channel.is_active:
            messages.success(request, _("“%(name)s” is active.") % {"name": channel.name})
        else:
            messages.success(request, _("“%(name)s” is switched off.") % {"name": channel.name})
    return redirect("web:channel_list")


# --- members --------------------------------------------------------------------------------


@member_required(Perm.MEMBER_MANAGE)
@require_http_methods(["GET", "POST"])
def member_list(request: HttpRequest) -> HttpResponse:
    """Members of the shop, and the form to add one by email."""
    actor = current_actor(request)
    branches = core_selectors.branch_list(actor=actor)
    form = MemberAddForm(request.POST or None, branches=branches)
    if request.method == "POST" and form.is_valid():
        try:
            membership, created = core_services.member_add(
                actor=actor,
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                role=form.cleaned_data["role"],
                branch_ids=form.branch_ids(),
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            if created:
                send_member_invite(
                    request=request,
                    user=membership.user,
                    workspace=actor.workspace,
                    invited_by=actor.user,
                )
                messages.success(
                    request,
                    _("%(email)s was added and was emailed a link to choose a password.")
                    % {"email": membership.user.email},
                )
            else:
                messages.success(
                    request,
                    _("%(email)s was added; they can sign in with their existing password.")
                    % {"email": membership.user.email},
                )
            return redirect("web:member_list")
    return _member_list_page(request, form, MfaPolicyForm(initial=_mfa_initial(actor)))


def _mfa_initial(actor: Actor) -> dict[str, str]:
    return {"policy": actor.workspace.mfa_policy}


def _member_list_page(
    request: HttpRequest, form: MemberAddForm, mfa_form: MfaPolicyForm, status: int = 200
) -> HttpResponse:
    actor = current_actor(request)
    context = {
        "members": core_selectors.member_list(actor=actor),
        "form": form,
        "mfa_form": mfa_form,
        "without_mfa": members_without_mfa(actor=actor),
    }
    return render(request, "web/settings/member_list.html", context, status=status)


@member_required(Perm.MEMBER_MANAGE)
@require_http_methods(["POST"])
def member_mfa_policy(request: HttpRequest) -> HttpResponse:
    """Require two-step sign-in of every member, of owners and managers, or of nobody."""
    actor = current_actor(request)
    mfa_form = MfaPolicyForm(request.POST)
    if mfa_form.is_valid():
        try:
            workspace_mfa_policy_set(
                actor=actor, policy=mfa_form.cleaned_data["policy"], ip=client_ip(request)
            )
        except ApplicationError as exc:
            add_application_error(mfa_form, exc)
        else:
            messages.success(request, _("Two-step sign-in rule saved."))
            return redirect("web:member_list")
    branches = core_selectors.branch_list(actor=actor)
    return _member_list_page(request, MemberAddForm(branches=branches), mfa_form, status=400)


@member_required(Perm.MEMBER_MANAGE)
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Change a member's role and branch limitation."""
    actor = current_actor(request)
    membership = core_selectors.member_get(actor=actor, membership_id=membership_id)
    branches = core_selectors.branch_list(actor=actor)
    if request.method == "POST":
        form = MemberRoleForm(request.POST, branches=branches)
        if form.is_valid():
            try:
                core_services.member_set_role(
                    actor=actor,
                    membership_id=membership.pk,
                    role=form.cleaned_data["role"],
                    branch_ids=form.branch_ids(),
                    ip=client_ip(request),
                )
            except ApplicationError as exc:
                add_application_error(form, exc)
            else:
                messages.success(
                    request, _("%(email)s: role saved.") % {"email": membership.user.email}
                )
                return redirect("web:member_list")
    else:
        form = MemberRoleForm(
            initial={"role": membership.role, "branches": list(membership.branches.all())},
            branches=branches,
        )
    return render(
        request, "web/settings/member_form.html", {"form": form, "membership": membership}
    )


@member_required(Perm.MEMBER_MANAGE)
@require_http_methods(["GET", "POST"])
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    """Confirm (GET) and remove (POST) a member."""
    actor = current_actor(request)
    membership = core_selectors.member_get(actor=actor, membership_id=membership_id)
    error: ApplicationError | None = None
    if request.method == "POST":
        try:
            core_services.member_remove(
                actor=actor, membership_id=membership.pk, ip=client_ip(request)
            )
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            error = exc
        else:
            messages.success(
                request, _("%(email)s was removed.") % {"email": membership.user.email}
            )
            if actor.user is not None and membership.user_id == actor.user.pk:
                return HttpResponseRedirect(reverse("web:dashboard"))
            return redirect("web:member_list")
    return render(
        request,
        "web/settings/member_remove.html",
        {"membership": membership, "error": error},
        status=400 if error else 200,
    )


# --- API keys -------------------------------------------------------------------------------


@member_required(Perm.APIKEY_MANAGE)
def apikey_list(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    keys = core_selectors.api_key_list(actor=actor)
    return render(request, "web/settings/apikey_list.html", {"keys": keys, "form": ApiKeyForm()})


@member_required(Perm.APIKEY_MANAGE)
@require_http_methods(["POST"])
def apikey_create(request: HttpRequest) -> HttpResponse:
    """Create a key and show its secret this one time (the server keeps only a digest)."""
    actor = current_actor(request)
    form = ApiKeyForm(request.POST)
    if form.is_valid():
        try:
            new = core_services.api_key_create(
                actor=actor,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                ip=client_ip(request),
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            response = render(
                request, "web/settings/apikey_created.html", {"key": new.key, "secret": new.secret}
            )
            response["Cache-Control"] = "no-store"
            return response
    keys = core_selectors.api_key_list(actor=actor)
    return render(
        request, "web/settings/apikey_list.html", {"keys": keys, "form": form}, status=400
    )


@member_required(Perm.APIKEY_MANAGE)
@require_http_methods(["GET", "POST"])
def apikey_revoke(request: HttpRequest, key_id: int) -> HttpResponse:
    """Confirm (GET) and revoke (POST) a key."""
    actor = current_actor(request)
    key = core_selectors.api_key_get(actor=actor, key_id=key_id)
    if request.method == "POST":
        key = core_services.api_key_revoke(actor=actor, key_id=key.pk, ip=client_ip(request))
        if request.htmx:  # type: ignore[attr-defined]
            return render(request, "web/settings/_apikey_row.html", {"key": key})
        messages.success(request, _("API key “%(name)s” revoked.") % {"name": key.name})
        return redirect("web:apikey_list")
    return render(request, "web/settings/apikey_revoke.html", {"key": key})


# --- audit log ------------------------------------------------------------------------------


@member_required(Perm.AUDIT_VIEW)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = core_selectors.audit_list_with_logins(actor=current_actor(request))
    page = Paginator(entries, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for entry in page.object_list:
        entry.action_label = AUDIT_ACTIONS.get(entry.action, entry.action)  # type: ignore[attr-defined]
    return render(request, "web/settings/audit_log.html", {"page": page})
