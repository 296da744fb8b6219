"""The "Text insights" page (ความรู้สึกจากข้อความ): paste texts and see each one's sentiment, the
words that counted and its themes; correct a label; the shop's corrections; train the shop's
model and see its cross-validated accuracy."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from samphan.core.errors import ApplicationError
from samphan.core.web import add_application_error, current_actor, member_required
from samphan.text import selectors, services
from samphan.text.models import LABEL_TEXT_MAX, LabelSource, Polarity
from samphan.text.themes import theme_label

app_name = "text"

LABELS_SHOWN = 50
# The page reads one text per line.
PAGE_CHARS = selectors.MAX_TEXTS * 200


class AnalyseForm(forms.Form):
    texts = forms.CharField(
        label=gettext_lazy("Texts (one per line)"),
        max_length=PAGE_CHARS,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "อร่อยมาก ส่งไวด้วย"}),
    )

    def clean_texts(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["texts"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > selectors.MAX_TEXTS:
            raise forms.ValidationError(
                _("At most %(max)s lines at a time.") % {"max": selectors.MAX_TEXTS}
            )
        if any(len(line) > selectors.MAX_TEXT_CHARS for line in lines):
            raise forms.ValidationError(
                _("A line is at most %(max)s characters.") % {"max": selectors.MAX_TEXT_CHARS}
            )
        return lines


class LabelForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=LABEL_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    label = forms.ChoiceField(label=gettext_lazy("Label"), choices=Polarity.choices)


def _page(request: HttpRequest, form: AnalyseForm, label_form: LabelForm | None = None,
          summary: selectors.TextSummary | None = None, status: int = 200) -> HttpResponse:  # fmt: skip
    actor = current_actor(request)
    items = []
    if summary is not None:
        for text, item in zip(form.cleaned_data["texts"], summary.items, strict=True):
            items.append(
                {
                    "text": text,
                    "a": item,
                    "themes": [theme_label(code) for code in item.themes],
                    "marked": [
                        (tok, "pos" if w and w > 0 else "neg" if w and w < 0 else "", w)
                        for tok, w in item.marked
                    ],
                }
            )
    model = selectors.model_get(workspace=actor.workspace)
    counts = selectors.label_counts(actor=actor)
    return render(
        request,
        "text/insights.html",
        {
            "form": form,
            "label_form": label_form or LabelForm(),
            "summary": summary,
            "items": items,
            "theme_rows": [(theme_label(c), n) for c, n in summary.themes] if summary else [],
            "labels": list(selectors.labels_list(actor=actor)[:LABELS_SHOWN]),
            "counts": counts,
            "total": sum(counts.values()),
            "model": model,
            "min_labels": selectors.MIN_LABELS,
            "choices": Polarity.choices,
        },
        status=status,
    )


@member_required()
@require_http_methods(["GET", "POST"])
def insights(request: HttpRequest) -> HttpResponse:
    services.text_require(current_actor(request))
    form = AnalyseForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            summary = selectors.texts_summarise(
                form.cleaned_data["texts"], workspace=current_actor(request).workspace
            )
            return _page(request, form, summary=summary)
        return _page(request, form, status=422)
    return _page(request, form)


@member_required()
@require_POST
def label_save(request: HttpRequest) -> HttpResponse:
    actor = current_actor(request)
    form = LabelForm(request.POST)
    if form.is_valid():
        try:
            services.label_correct(
                actor=actor,
                text=form.cleaned_data["text"],
                label=form.cleaned_data["label"],
                source=LabelSource.CORRECTION
                if request.POST.get("from") == "result"
                else LabelSource.MANUAL,
            )
        except ApplicationError as exc:
            add_application_error(form, exc)
        else:
            messages.success(request, _("Label saved. Train the model to learn from it."))
            return redirect("text:insights")
    services.text_require(actor)
    return _page(request, AnalyseForm(), label_form=form, status=422)


@member_required()
@require_http_methods(["GET", "POST"])
def label_delete(request: HttpRequest, sentiment_label_id: int) -> HttpResponse:
    """POST deletes; GET (a link followed by hand) only goes back to the page."""
    actor = current_actor(request)
    if request.method == "GET":
        selectors.label_get(actor=actor, label_id=sentiment_label_id)
        return redirect("text:insights")
    services.label_delete(actor=actor, label_id=sentiment_label_id)
    messages.success(request, _("Label deleted."))
    return redirect("text:insights")


@member_required()
@require_POST
def model_train(request: HttpRequest) -> HttpResponse:
    try:
        model = services.model_train(actor=current_actor(request))
    except ApplicationError as exc:
        if exc.code != "not_enough_labels":
            raise
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Model trained on %(n)s texts: %(accuracy)s%% right in cross-validation.")
            % {"n": model.n_examples, "accuracy": round(model.accuracy * 100)},
        )
    return redirect("text:insights")


urlpatterns = [
    path("analytics/text/", insights, name="insights"),
    path("analytics/text/labels/", label_save, name="label_save"),
    path(
        "analytics/text/labels/<int:sentiment_label_id>/delete/",
        label_delete,
        name="label_delete",
    ),
    path("analytics/text/train/", model_train, name="model_train"),
]
