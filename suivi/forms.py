"""Forms of the suivi's consultant pages, and the action rows the beneficiary's check-in shares
(French labels and messages; rules stay in services.py)."""

from __future__ import annotations

from datetime import time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilan.models import Action, ActionStatus
from suivi.models import FollowUpInterview, Outcome


class DateInput(forms.DateInput):
    input_type = "text"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%d/%m/%Y")
        super().__init__(**kwargs)
        self.attrs.setdefault("placeholder", "jj/mm/aaaa")
        self.attrs.setdefault("inputmode", "numeric")


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif (facultatif)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class RequiredReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": _("Indiquez le motif.")},
    )


class MoveForm(RequiredReasonForm):
    due_on = forms.DateField(
        label=_("Nouvelle échéance"),
        widget=DateInput(),
        error_messages={"invalid": _("Saisissez une date au format jj/mm/aaaa.")},
        help_text=_("Format jj/mm/aaaa."),
    )
    field_order = ["due_on", "reason"]


def action_fields(form: forms.Form, actions: list[Action], initial: dict, help_label: str) -> None:
    """A status and a comment field per action of the plan, for the beneficiary's check-in
    (portal) and the consultant's interview; `form.actions_data()` gives them back by action."""
    form.action_rows = []
    for action in actions:
        key = str(action.pk)
        saved = initial.get(key, {})
        status_name, comment_name = f"action_{key}_status", f"action_{key}_comment"
        form.fields[status_name] = forms.ChoiceField(
            label=_("Où en est « %(t)s » ?") % {"t": action.title},
            choices=ActionStatus.choices,
            initial=saved.get("status") or action.status,
        )
        form.fields[comment_name] = forms.CharField(
            label=help_label,
            required=False,
            max_length=2000,
            initial=saved.get("comment", ""),
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        form.action_rows.append((action, status_name, comment_name))

    def actions_data() -> dict:
        return {
            str(action.pk): {
                "status": form.cleaned_data[s],
                "comment": form.cleaned_data[c].strip(),
            }
            for action, s, c in form.action_rows
        }

    form.actions_data = actions_data


class InterviewForm(forms.ModelForm):
    class Meta:
        model = FollowUpInterview
        fields = [
            "held_on",
            "mode",
            "results_vs_goals",
            "obstacles",
            "levers",
            "adjustment",
            "next_steps",
            "outcome",
            "further_follow_up_on",
        ]
        widgets = {
            "held_on": DateInput(),
            "further_follow_up_on": DateInput(),
            "results_vs_goals": forms.Textarea(attrs={"rows": 4}),
            "obstacles": forms.Textarea(attrs={"rows": 3}),
            "levers": forms.Textarea(attrs={"rows": 3}),
            "adjustment": forms.Textarea(attrs={"rows": 3}),
            "next_steps": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "results_vs_goals": _("Au regard des objectifs convenus en phase préliminaire."),
            "further_follow_up_on": _(
                "Facultatif (jj/mm/aaaa) : planifie un suivi complémentaire, invité comme le "
                "premier."
            ),
        }
        error_messages = {
            "held_on": {
                "required": _("Indiquez la date de l'entretien."),
                "invalid": _("Saisissez une date au format jj/mm/aaaa."),
            },
            "further_follow_up_on": {"invalid": _("Saisissez une date au format jj/mm/aaaa.")},
            "outcome": {"required": _("Choisissez l'issue du projet.")},
            "mode": {"required": _("Choisissez la modalité de l'entretien.")},
        }

    def __init__(self, *args, actions: list[Action], check_in: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # What was recorded, else what the beneficiary said in the check-in (comments excluded).
        if not self.instance._state.adding:
            saved = self.instance.action_progress
        else:
            saved = {k: {"status": v.get("status")} for k, v in (check_in or {}).items()}
        action_fields(self, actions, saved, _("Avancement, commentaire"))
        self.fields["outcome"].choices = [("", "---------"), *Outcome.choices]


class SlotsForm(forms.Form):
    day = forms.DateField(
        label=_("Date"),
        widget=DateInput(),
        error_messages={
            "required": _("Indiquez la date."),
            "invalid": _("Saisissez une date au format jj/mm/aaaa."),
        },
    )
    start = forms.TimeField(
        label=_("Heure du premier créneau"),
        initial=time(9, 0),
        widget=forms.TimeInput(format="%H:%M", attrs={"placeholder": "hh:mm"}),
        error_messages={
            "required": _("Indiquez l'heure."),
            "invalid": _("Saisissez une heure au format hh:mm (par exemple 14:30)."),
        },
    )
    count = forms.IntegerField(
        label=_("Nombre de créneaux à la suite"),
        min_value=1,
        max_value=12,
        initial=1,
        error_messages={
            "min_value": _("Entre 1 et 12 créneaux."),
            "max_value": _("Entre 1 et 12 créneaux."),
        },
    )
    duration_minutes = forms.TypedChoiceField(
        label=_("Durée de chaque créneau"),
        coerce=int,
        choices=[(30, "30 min"), (45, "45 min"), (60, "1 h"), (90, "1 h 30")],
        initial=60,
    )
    location = forms.CharField(
        label=_("Adresse pour le présentiel"), required=False, max_length=200
    )

    #: Slots are published at most this far ahead.
    HORIZON_DAYS = 366

    def clean_day(self):
        day = self.cleaned_data["day"]
        today = timezone.localdate()
        if day < today:
            raise forms.ValidationError(_("Choisissez une date à venir."), code="past")
        if day > today + timedelta(days=self.HORIZON_DAYS):
            raise forms.ValidationError(
                _("Publiez des créneaux au plus un an à l'avance."), code="too_far"
            )
        return day
