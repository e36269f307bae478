"""Forms of the consultant's pages. Validation of rules stays in bilan.services; these check
the shape of the input and carry the services' refusals back to the fields."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.admin import users_of_current_organisation
from accounts.models import User
from bilan.models import (
    BENEFICIARY_FIELDS,
    SYNTHESIS_SECTIONS,
    Action,
    Beneficiary,
    Bilan,
    Funding,
    Meeting,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def name_blank_choices(form: forms.BaseForm) -> None:
    """Replace Django's "---------" with words in the choice lists."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) or not isinstance(field, forms.ChoiceField):
            continue
        choices = list(field.choices)
        if choices and choices[0][0] == "" and str(choices[0][1]).startswith("---"):
            field.choices = [("", _("— Choisir —")), *choices[1:]]


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on its field when it names one, else on top."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class BeneficiaryForm(forms.ModelForm):
    class Meta:
        model = Beneficiary
        fields = BENEFICIARY_FIELDS
        widgets = {"consent_given_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs.update(autocomplete="off", inputmode="tel")
        self.fields["consent_given_on"].help_text = _(
            "Le bilan ne se réalise qu'avec le consentement du bénéficiaire (L6313-4)."
        )
        name_blank_choices(self)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_consent_given_on(self):
        value = self.cleaned_data["consent_given_on"]
        if value and value > timezone.localdate():
            raise ValidationError(_("Le consentement ne peut pas être daté dans le futur."))
        return value

    def validate_unique(self) -> None:
        # Duplicates are found by the service, with a message naming the existing person.
        pass


class ConsultantChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.email})" if name else obj.email


class BilanForm(forms.ModelForm):
    consultants = ConsultantChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Consultant(s)"),
        error_messages={"invalid_choice": _("Choisissez des consultants de votre organisation.")},
    )

    class Meta:
        model = Bilan
        fields = [
            "consultants",
            "funding",
            "cpf_dossier_number",
            "cpf_registered_on",
            "started_on",
            "planned_hours",
            "goals",
        ]
        widgets = {
            "started_on": DateInput(),
            "cpf_registered_on": DateInput(),
            "goals": forms.Textarea(attrs={"rows": 4}),
            "planned_hours": forms.NumberInput(attrs={"step": "0.5", "min": "1", "max": "24"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the organisation's members (the scope filters Membership).
        self.fields["consultants"].queryset = users_of_current_organisation()
        self.fields["cpf_dossier_number"].help_text = _("Obligatoire pour un financement CPF.")
        name_blank_choices(self)

    def clean(self):
        data = super().clean()
        if data.get("funding") == Funding.CPF:
            if not data.get("cpf_dossier_number", "").strip():
                self.add_error(
                    "cpf_dossier_number", _("Indiquez le numéro du dossier Mon Compte Formation.")
                )
            if not data.get("cpf_registered_on"):
                self.add_error(
                    "cpf_registered_on",
                    _("Indiquez la date d'inscription : elle ouvre le délai de rétractation."),
                )
        return data


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["phase", "starts_at", "duration_minutes", "mode", "is_accompaniment", "notes"]
        widgets = {
            "starts_at": DateTimeInput(),
            "duration_minutes": forms.NumberInput(attrs={"step": "5", "min": "5", "max": "480"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"starts_at": _("Date et heure")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_blank_choices(self)


class AbandonForm(forms.Form):
    abandon_reason = forms.CharField(
        label=_("Motif de l'abandon"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class OverrideForm(forms.Form):
    hours_override_reason = forms.CharField(
        label=_("Motif de la dérogation au plafond de 24 heures"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class SynthesisForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, title, help_text in SYNTHESIS_SECTIONS:
            self.fields[name] = forms.CharField(
                label=title,
                help_text=help_text,
                required=False,
                max_length=20000,
                widget=forms.Textarea(attrs={"rows": 7}),
            )

    def sections(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name, _t, _h in SYNTHESIS_SECTIONS}


class DeliveryForm(forms.Form):
    follow_up_accepted = forms.TypedChoiceField(
        label=_("Le bénéficiaire accepte-t-il l'entretien de suivi (environ six mois après) ?"),
        choices=[("yes", _("Oui, il l'accepte")), ("no", _("Non, il le décline"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Indiquez si le bénéficiaire accepte l'entretien de suivi.")},
    )
    confirm = forms.BooleanField(
        label=_(
            "Je confirme remettre ce document au bénéficiaire : il ne pourra plus être modifié."
        ),
        error_messages={"required": _("Cochez la case pour confirmer la remise.")},
    )


class ActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["title", "description", "target_date", "status", "resources", "obstacles"]
        widgets = {
            "target_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
            "resources": forms.Textarea(attrs={"rows": 3}),
            "obstacles": forms.Textarea(attrs={"rows": 3}),
        }
