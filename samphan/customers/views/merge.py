"""Possible duplicates, the side-by-side merge screen, the merge log and undoing a merge."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from samphan.core.access import Actor
from samphan.core.errors import ApplicationError, NotFound
from samphan.core.models import Branch
from samphan.core.roles import Perm
from samphan.core.thai.dates import format_date
from samphan.core.web import current_actor, member_required
from samphan.customers.duplicates import (
    THRESHOLD,
    Reason,
    duplicate_dismiss,
    duplicate_dismissal_list,
    duplicate_explain,
    duplicate_list,
    duplicate_pairs,
    duplicate_restore,
    duplicate_scan_status,
    duplicates_scan_request,
    reason_note,
    reason_text,
)
from samphan.customers.merge import (
    BOTH,
    MERGED,
    SURVIVOR,
    FieldChoice,
    MergePreview,
    customer_merge,
    merge_get,
    merge_log_list,
    merge_preview,
    merge_undo,
)
from samphan.customers.models import Customer, CustomFieldDefinition, MergeLog
from samphan.customers.services import PREFERRED_CHANNELS, PREFERRED_LANGUAGES

MERGES_PER_PAGE = 25
DUPLICATES_PER_PAGE = 20

FIELD_LABELS: dict[str, Promise] = {
    "title": gettext_lazy("Title"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "nickname": gettext_lazy("Nickname"),
    "gender": gettext_lazy("Gender"),
    "birthday": gettext_lazy("Birthday"),
    "province": gettext_lazy("Province"),
    "preferred_language": gettext_lazy("Preferred language"),
    "preferred_channel": gettext_lazy("Preferred channel"),
    "acquisition_source": gettext_lazy("Acquisition source"),
    "referred_by_id": gettext_lazy("Referred by"),
    "behaviour_type": gettext_lazy("Behaviour type"),
    "lifecycle_stage": gettext_lazy("Lifecycle stage"),
    "home_branch_id": gettext_lazy("Home branch"),
    "notes": gettext_lazy("Pinned note"),
    "custom_fields": gettext_lazy("Custom fields"),
}
# What moves, by model; apps added later fall back to their model's verbose name.
MODEL_LABELS: dict[str, Promise] = {
    "commerce.Order": gettext_lazy("Orders"),
    "customers.ContactPoint": gettext_lazy("Contacts"),
    "customers.Address": gettext_lazy("Addresses"),
    "customers.ConsentEvent": gettext_lazy("Consent records"),
    "customers.Interaction": gettext_lazy("Interactions"),
    "customers.FollowUp": gettext_lazy("Follow-ups"),
    "customers.Customer_tags": gettext_lazy("Tags"),
    "customers.Customer": gettext_lazy("Customers they referred"),
    "timeline.TimelineEvent": gettext_lazy("Timeline events"),
    # Rows of other apps found at run time, named here by their keys (no import of those apps),
    # so the merge table never shows a model's English name.
    "customers.Customer.merged_into": gettext_lazy("Customers merged into them before"),
    "customers.MergeLog": gettext_lazy("Merge log entries"),
    "customers.DuplicateCandidate": gettext_lazy("Possible duplicate pairs"),
    "customers.DuplicateDismissal": gettext_lazy("Pairs marked as different people"),
    "commerce.CustomerProductPurchase": gettext_lazy("Products bought"),
    "commerce.CustomerCategoryPurchase": gettext_lazy("Categories bought"),
    "commerce.CustomerPurchaseLine": gettext_lazy("Items bought"),
    "analytics.CustomerMetrics": gettext_lazy("Customer scores"),
    "segments.SegmentMember": gettext_lazy("Places in segment lists"),
    "privacy.DataSubjectRequest": gettext_lazy("Privacy requests"),
}


def moved_label(key: str) -> str:
    """``commerce.Order.customer`` → "Orders" in the user's language."""
    model_key = key.rsplit(".", 1)[0]
    for known in (key, model_key):
        if known in MODEL_LABELS:
            return str(MODEL_LABELS[known])
    from django.apps import apps

    try:
        meta = apps.get_model(model_key)._meta
    except (LookupError, ValueError):
        return _("Other linked records")
    # A model's own plural is translated only when the model names it; else a plain phrase.
    if "verbose_name_plural" in getattr(meta, "original_attrs", {}):
        return str(meta.verbose_name_plural).capitalize()
    return _("Other linked records")


def _moved_summary(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(moved_label(key), n) for key, n in sorted(counts.items()) if n]


# --- possible duplicates -------------------------------------------------------------------------


@member_required(Perm.CUSTOMER_VIEW)
def duplicates(request: HttpRequest) -> HttpResponse:
    """The stored pairs, best first, a page at a time (see ``duplicates.duplicates_scan``)."""
    actor = current_actor(request)
    page = Paginator(duplicate_list(actor=actor), DUPLICATES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [(pair, _why(pair.reasons)) for pair in duplicate_pairs(page)]
    return render(
        request,
        "customers/merge/duplicates.html",
        {
            "page": page,
            "rows": rows,
            "status": duplicate_scan_status(actor=actor),
            "dismissed_count": duplicate_dismissal_list(actor=actor).count(),
            "can_edit": actor.can(Perm.CUSTOMER_EDIT),
            "can_merge": actor.can(Perm.CUSTOMER_MERGE),
        },
    )


@dataclass(frozen=True)
class WhyLine:
    """One reason a pair was proposed, in words, with the points it gave the score."""

    text: str
    note: str
    points: int


def _why(reasons: list[Reason]) -> list[WhyLine]:
    return [WhyLine(reason_text(r), reason_note(r), r.points) for r in reasons]


def _back_to_duplicates(request: HttpRequest) -> HttpResponse:
    page = request.POST.get("page", "")
    url = reverse("customers:duplicates")
    return redirect(f"{url}?page={page}" if page.isdigit() and page != "1" else url)


@member_required(Perm.CUSTOMER_EDIT)
@require_POST
def duplicates_scan(request: HttpRequest) -> HttpResponse:
    """ "Scan again": queue a full scan (in the embedded mode it runs before the redirect)."""
    try:
        duplicates_scan_request(actor=current_actor(request))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Scanning for duplicates. The list below updates when it finishes.")
        )
    return redirect(reverse("customers:duplicates"))


def _pair_or_404(
    actor: Actor, survivor_id: int, merged_id: int, *, live: bool = True
) -> tuple[Customer, Customer]:
    """Both customers of a pair in the actor's workspace (not merged away, when ``live``)."""
    found = Customer.objects.filter(workspace=actor.workspace, pk__in=[survivor_id, merged_id])
    if live:
        found = found.filter(merged_into__isnull=True)
    rows = {c.pk: c for c in found}
    if survivor_id not in rows or merged_id not in rows:
        raise NotFound("customer_not_found", _("Customer not found."))
    return rows[survivor_id], rows[merged_id]


@member_required(Perm.CUSTOMER_EDIT)
def duplicate_dismiss_view(request: HttpRequest, survivor_id: int, merged_id: int) -> HttpResponse:
    """POST: "Not the same person" (ไม่ใช่คนเดียวกัน). GET only leads back to the list."""
    actor = current_actor(request)
    first, second = _pair_or_404(actor, survivor_id, merged_id)
    if request.method != "POST":
        return redirect(reverse("customers:duplicates"))
    try:
        duplicate_dismiss(actor=actor, customer_id=survivor_id, other_id=merged_id)
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "%(first)s and %(second)s are marked as different people and will not be "
                "suggested again. Changed your mind? See “Not the same person”."
            )
            % {"first": first.display_name, "second": second.display_name},
        )
    return _back_to_duplicates(request)


@member_required(Perm.CUSTOMER_EDIT)
def duplicate_restore_view(request: HttpRequest, survivor_id: int, merged_id: int) -> HttpResponse:
    """POST: undo "Not the same person"; the pair may be suggested again after the rescan."""
    actor = current_actor(request)
    _pair_or_404(actor, survivor_id, merged_id, live=False)
    if request.method == "POST":
        duplicate_restore(actor=actor, customer_id=survivor_id, other_id=merged_id)
        messages.success(
            request, _("The pair can be suggested again if the two records still look alike.")
        )
    return redirect(reverse("customers:duplicates_dismissed"))


@member_required(Perm.CUSTOMER_VIEW)
def duplicates_dismissed(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    page = Paginator(duplicate_dismissal_list(actor=actor), MERGES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "customers/merge/dismissed.html",
        {"page": page, "can_edit": actor.can(Perm.CUSTOMER_EDIT)},
    )


# --- the side-by-side merge screen -----------------------------------------------------------------


@dataclass(frozen=True)
class FieldRow:
    name: str
    label: str
    survivor_text: str
    merged_text: str
    checked: str  # survivor, merged or both: the option selected on the page
    differs: bool
    allows_both: bool
    both_text: str = ""


def _choice_text(name: str, value: Any) -> str:
    if name == "preferred_language":
        return dict(PREFERRED_LANGUAGES).get(value, value)
    if name == "preferred_channel":
        return str(dict(PREFERRED_CHANNELS).get(value, value))
    field = Customer._meta.get_field(name)
    return str(dict(field.flatchoices).get(value, value))  # type: ignore[union-attr]


class _Formatter:
    """Field values as people read them: choice labels, Thai dates, branch and referrer names."""

    def __init__(self, actor: Actor, preview: MergePreview) -> None:
        self.language = translation.get_language() or "th"
        ids = {c.referred_by_id for c in (preview.survivor, preview.merged) if c.referred_by_id}
        self.referrers = {c.pk: c for c in Customer.objects.filter(pk__in=ids)}
        branch_ids = {
            c.home_branch_id for c in (preview.survivor, preview.merged) if c.home_branch_id
        }
        self.branches = {
            b.pk: b.name
            for b in Branch.objects.filter(workspace=actor.workspace, pk__in=branch_ids)
        }
        self.custom = dict(
            CustomFieldDefinition.objects.filter(workspace=actor.workspace).values_list(
                "key", "label"
            )
        )

    def text(self, name: str, value: Any) -> str:
        if value in (None, "", {}):
            return ""
        if name == "birthday":
            return format_date(value, language=self.language)
        if name in ("gender", "acquisition_source", "behaviour_type", "lifecycle_stage"):
            return _choice_text(name, value)
        if name in ("preferred_language", "preferred_channel"):
            return _choice_text(name, value)
        if name == "referred_by_id":
            referrer = self.referrers.get(value)
            return f"{referrer.display_name} (#{value})" if referrer else f"#{value}"
        if name == "home_branch_id":
            return self.branches.get(value, f"#{value}")
        if name == "custom_fields":
            return "; ".join(f"{self.custom.get(k, k)}: {v}" for k, v in sorted(value.items()))
        return str(value)


def _field_rows(actor: Actor, preview: MergePreview, selected: dict[str, str]) -> list[FieldRow]:
    fmt = _Formatter(actor, preview)
    return [_field_row(fmt, choice, selected.get(choice.name, "")) for choice in preview.fields]


def _field_row(fmt: _Formatter, choice: FieldChoice, selected: str) -> FieldRow:
    survivor_text = fmt.text(choice.name, choice.survivor_value)
    merged_text = fmt.text(choice.name, choice.merged_value)
    both_text = ""
    if choice.allows_both and choice.differs and choice.survivor_value not in (None, "", {}):
        if choice.name == "notes":
            both_text = f"{survivor_text}\n\n{merged_text}"
        else:
            combined = {**(choice.merged_value or {}), **(choice.survivor_value or {})}
            both_text = fmt.text(choice.name, combined)
    allows_both = bool(both_text)
    checked = selected or choice.default
    if checked == BOTH and not allows_both:
        checked = choice.default if choice.default != BOTH else SURVIVOR
    return FieldRow(
        name=choice.name,
        label=str(FIELD_LABELS.get(choice.name, choice.name)),
        survivor_text=survivor_text,
        merged_text=merged_text,
        checked=checked,
        differs=choice.differs,
        allows_both=allows_both,
        both_text=both_text,
    )


def _counts(preview: MergePreview) -> list[tuple[str, int, int]]:
    return [
        (moved_label(key), ours, theirs)
        for key, (ours, theirs) in sorted(preview.counts.items(), key=lambda kv: moved_label(kv[0]))
    ]


@member_required(Perm.CUSTOMER_MERGE)
def merge(request: HttpRequest, survivor_id: int, merged_id: int) -> HttpResponse:
    actor = current_actor(request)
    preview = merge_preview(actor=actor, survivor_id=survivor_id, merged_id=merged_id)
    error, status = "", 200
    selected = {
        choice.name: request.POST[f"keep_{choice.name}"]
        for choice in preview.fields
        if request.method == "POST"
        and request.POST.get(f"keep_{choice.name}") in (SURVIVOR, MERGED, BOTH)
    }
    rows = _field_rows(actor, preview, selected)
    why = duplicate_explain(actor=actor, customer_id=survivor_id, other_id=merged_id)
    if request.method == "POST":
        choices = {row.name: row.checked for row in rows if row.differs}
        try:
            log = customer_merge(
                actor=actor, survivor_id=survivor_id, merged_id=merged_id, field_choices=choices
            )
        except NotFound:
            raise
        except ApplicationError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(
                request,
                _("%(name)s (#%(id)s) was merged into this customer. The merge log can undo it.")
                % {"name": preview.merged.display_name, "id": preview.merged.pk},
            )
            return redirect(f"/customers/{log.survivor_id}/")
    return render(
        request,
        "customers/merge/compare.html",
        {
            "preview": preview,
            "survivor": preview.survivor,
            "merged": preview.merged,
            "rows": rows,
            "any_differs": any(row.differs for row in rows),
            "counts": _counts(preview),
            "error": error,
            "why_score": why.score,
            "why": _why(why.reasons),
            "threshold": THRESHOLD,
        },
        status=status,
    )


# --- the merge log ---------------------------------------------------------------------------------


def _decorate(entry: MergeLog) -> MergeLog:
    counts = {key: len(ids) for key, ids in (entry.moved or {}).items()}
    entry.moved_summary = _moved_summary(counts)  # type: ignore[attr-defined]
    entry.actor_text = (  # type: ignore[attr-defined]
        entry.actor.email
        if entry.actor
        else (entry.survivor_before or {}).get("actor_label") or _("API key")
    )
    return entry


@member_required(Perm.CUSTOMER_VIEW)
def merge_log(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    page = Paginator(merge_log_list(actor=actor), MERGES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = [_decorate(entry) for entry in page.object_list]
    return render(
        request,
        "customers/merge/log.html",
        {"page": page, "can_merge": actor.can(Perm.CUSTOMER_MERGE)},
    )


@member_required(Perm.CUSTOMER_MERGE)
def undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    """GET asks to confirm; POST undoes the merge."""
    actor = current_actor(request)
    entry = _decorate(merge_get(actor=actor, merge_id=merge_id))
    error = ""
    if request.method == "POST":
        try:
            merge_undo(actor=actor, merge_id=merge_id)
        except NotFound:
            raise
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(
                request,
                _("The merge was undone: %(merged)s (#%(id)s) is a separate customer again.")
                % {"merged": entry.merged.display_name, "id": entry.merged_id},
            )
            return redirect(reverse("customers:merge_log"))
    return render(
        request,
        "customers/merge/undo.html",
        {"entry": entry, "error": error},
        status=409 if error else 200,
    )


urlpatterns: list[URLPattern] = [
    path("customers/duplicates/", duplicates, name="duplicates"),
    path("customers/duplicates/scan/", duplicates_scan, name="duplicates_scan"),
    path("customers/duplicates/different/", duplicates_dismissed, name="duplicates_dismissed"),
    path(
        "customers/duplicates/<int:survivor_id>/<int:merged_id>/different/",
        duplicate_dismiss_view,
        name="duplicate_dismiss",
    ),
    path(
        "customers/duplicates/<int:survivor_id>/<int:merged_id>/restore/",
        duplicate_restore_view,
        name="duplicate_restore",
    ),
    path("customers/merge/<int:survivor_id>/<int:merged_id>/", merge, name="merge"),
    path("customers/merges/", merge_log, name="merge_log"),
    path("customers/merges/<int:merge_id>/undo/", undo, name="merge_undo"),
]
