"""Forms of the SLA settings pages: a calendar's week (one box per weekday holding its opening
periods, "09:00-12:00, 13:00-18:00"), a closed day, a policy."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from samphan.core.forms import ReaderDateField
from samphan.core.models import Branch, Workspace
from samphan.service.sla import services
from samphan.service.sla.clock import WEEKDAYS, format_hhmm, parse_hhmm
from samphan.service.sla.models import ANY, BusinessCalendar, Priority, TicketType

WEEKDAY_LABELS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
_PERIOD = re.compile(r"^\s*(\d{1,2}[:.]\d{2})\s*(?:-|–|—|to|ถึง)\s*(\d{1,2}[:.]\d{2})\s*$")
PERIODS_MAX_CHARS = 200


def parse_periods(text: str) -> list[tuple[int, int]]:
    """ "09:00-12:00, 13:00-18:00" → [(540, 720), (780, 1080)]; "" → [] (closed that day).
    Dots work as colons (09.00); an end may be 24:00."""
    periods = []
    for part in re.split(r"[,;\n]+", text):
        if not part.strip():
            continue
        match = _PERIOD.match(part)
        if match is None:
            raise forms.ValidationError(_("Write each period as 09:00-12:00, separated by commas."))
        try:
            start = parse_hhmm(match.group(1).replace(".", ":"))
            end = parse_hhmm(match.group(2).replace(".", ":"), allow_24=True)
        except ValueError:
            raise forms.ValidationError(
                _("A time is from 00:00 to 24:00, e.g. 09:00 or 17:30.")
            ) from None
        if start >= end:
            raise forms.ValidationError(_("Each period must open before it closes."))
        periods.append((start, end))
    if len(periods) > services.MAX_SLOTS_PER_DAY:
        raise forms.ValidationError(
            _("At most %(n)s opening periods a day.") % {"n": services.MAX_SLOTS_PER_DAY}
        )
    return sorted(periods)


def format_periods(periods: list[tuple[int, int]]) -> str:
    return ", ".join(f"{format_hhmm(s)}-{format_hhmm(e)}" for s, e in periods)


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=services.NAME_MAX)
    branch = forms.ModelChoiceField(
        label=_("Branch"),
        queryset=Branch.objects.none(),
        required=False,
        empty_label=_("Whole shop (no branch)"),
        help_text=_("A branch's own calendar replaces the default for that branch's tickets."),
    )
    is_default = forms.BooleanField(label=_("Workspace default calendar"), required=False)
    always_open = forms.BooleanField(
        label=_("Open 24 hours, every day (24/7, holidays too)"), required=False
    )
    use_thai_holidays = forms.BooleanField(
        label=_("Closed on Thai public holidays (substitution days too)"), required=False
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(  # type: ignore[attr-defined]
            workspace=workspace, is_active=True
        )
        for index, day in enumerate(WEEKDAYS):
            self.fields[day] = forms.CharField(
                label=WEEKDAY_LABELS[index],
                max_length=PERIODS_MAX_CHARS,
                required=False,
                help_text=_("Empty: closed all day.") if index == 6 else "",
                widget=forms.TextInput(
                    attrs={"placeholder": "09:00-12:00, 13:00-18:00", "inputmode": "text"}
                ),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        slots: list[services.SlotIn] = []
        for index, day in enumerate(WEEKDAYS):
            if day in self.errors:
                continue
            try:
                periods = parse_periods(data.get(day) or "")
            except forms.ValidationError as exc:
                self.add_error(day, exc)
                continue
            slots += [services.SlotIn(index, s, e) for s, e in periods]
        data["slots"] = slots
        return data

    @staticmethod
    def initial_for(calendar: BusinessCalendar) -> dict[str, Any]:
        days: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for slot in calendar.slots.all():
            days[slot.weekday].append((slot.start_minute, slot.end_minute))
        return {
            "name": calendar.name,
            "branch": calendar.branch_id,
            "is_default": calendar.is_default,
            "always_open": calendar.always_open,
            "use_thai_holidays": calendar.use_thai_holidays,
            **{day: format_periods(days[i]) for i, day in enumerate(WEEKDAYS)},
        }


class ClosedDayForm(forms.Form):
    date = ReaderDateField(label=_("Date"))
    name = forms.CharField(
        label=_("What for (optional)"), max_length=services.NAME_MAX, required=False
    )


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name (optional)"), max_length=services.NAME_MAX, required=False)
    ticket_type = forms.ChoiceField(
        label=_("Ticket type"), choices=[(ANY, _("Any type")), *TicketType.choices]
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=[(ANY, _("Any priority")), *Priority.choices]
    )
    first_response_minutes = forms.IntegerField(
        label=_("First reply within (business minutes)"),
        min_value=services.MINUTES_MIN,
        max_value=services.MINUTES_MAX,
        help_text=_("Counted in open hours only: 60 = one hour, 540 = a 9-hour working day."),
    )
    resolution_minutes = forms.IntegerField(
        label=_("Resolved within (business minutes)"),
        min_value=services.MINUTES_MIN,
        max_value=services.MINUTES_MAX,
    )
    calendar = forms.ModelChoiceField(
        label=_("Calendar"),
        queryset=BusinessCalendar.objects.none(),
        required=False,
        empty_label=_("The branch's calendar, else the default"),
    )
    escalate = forms.BooleanField(
        label=_("Tell a manager when the target is missed (within business hours)"),
        required=False,
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["calendar"].queryset = BusinessCalendar.objects.filter(  # type: ignore[attr-defined]
            workspace=workspace
        )
