"""The portal's forms: short, labelled, in plain French."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import NewPasswordForm
from bilan.models import Action, ActionStatus, MeetingMode
from portal.models import DataRequestKind, SharePurpose
from portal.services import DEFAULT_SHARE_VALIDITY_DAYS, SHARE_VALIDITY_CHOICES
from suivi.forms import action_fields
from suivi.models import SurveyResponse


class SetPasswordForm(NewPasswordForm):
    """The beneficiary's first password, from their invitation link."""


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Votre commentaire sur la synthèse"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Vos consultants le lisent. Laissez vide pour retirer votre commentaire."),
    )


class ShareForm(forms.Form):
    purpose = forms.ChoiceField(
        label=_("À qui voulez-vous l'envoyer ?"),
        choices=SharePurpose.choices,
        widget=forms.RadioSelect,
        initial=SharePurpose.CEP,
    )
    recipient_name = forms.CharField(label=_("Nom de la personne"), max_length=150)
    recipient_email = forms.EmailField(
        label=_("Son adresse e-mail"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    message = forms.CharField(
        label=_("Un message pour accompagner l'envoi (facultatif)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    valid_days = forms.TypedChoiceField(
        label=_("Le lien reste valable"),
        coerce=int,
        choices=[(d, _("%(d)s jours") % {"d": d}) for d in SHARE_VALIDITY_CHOICES],
        initial=DEFAULT_SHARE_VALIDITY_DAYS,
    )
    agreement = forms.BooleanField(
        label=_(
            "J'accepte que cette personne lise mon document de synthèse. "
            "Je pourrai retirer ce partage à tout moment."
        ),
        error_messages={"required": _("Cochez cette case pour confirmer le partage.")},
    )


class ActionUpdateForm(forms.ModelForm):
    """Progress and notes; title, description and due date on the beneficiary's own actions."""

    class Meta:
        model = Action
        fields = ["title", "description", "target_date", "status", "notes"]
        labels = {
            "title": _("Intitulé"),
            "status": _("Où en êtes-vous ?"),
            "notes": _("Vos notes"),
            "target_date": _("Échéance (facultatif)"),
        }
        help_texts = {
            "notes": _("Ce que vous avez fait, ce qui vous aide ou vous freine."),
            "target_date": _("Au format jj/mm/aaaa, par exemple 15/03/2027."),
        }
        widgets = {
            "status": forms.RadioSelect,
            "notes": forms.Textarea(attrs={"rows": 4}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "target_date": forms.DateInput(format="%d/%m/%Y", attrs={"inputmode": "numeric"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = ActionStatus.choices
        if not self.instance.added_by_beneficiary:
            for name in ("title", "description", "target_date"):
                del self.fields[name]


class NewActionForm(forms.ModelForm):
    class Meta:
        model = Action
        fields = ["title", "description", "target_date"]
        labels = {
            "title": _("Votre action"),
            "description": _("Précisions (facultatif)"),
            "target_date": _("Échéance (facultatif)"),
        }
        help_texts = {"target_date": _("Au format jj/mm/aaaa, par exemple 15/03/2027.")}
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "target_date": forms.DateInput(format="%d/%m/%Y", attrs={"inputmode": "numeric"}),
        }


class DataRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Votre demande"), choices=DataRequestKind.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label=_("Précisez votre demande"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Par exemple : « mon numéro de téléphone a changé : 06 … ». "
            "L'organisme vous répond dans un délai d'un mois."
        ),
    )


# --- The follow-up pages ---------------------------------------------------------------------


class BookingForm(forms.Form):
    slot = forms.UUIDField(
        label=_("Créneau"),
        error_messages={
            "required": _("Choisissez un créneau dans le calendrier."),
            "invalid": _("Choisissez un créneau dans le calendrier."),
        },
        widget=forms.HiddenInput,
    )
    mode = forms.ChoiceField(
        label=_("Modalité de l'entretien"),
        choices=MeetingMode.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez une modalité : présentiel, visio ou téléphone.")},
    )


class AnotherTimeForm(forms.Form):
    message = forms.CharField(
        label=_("Jours et horaires qui vous conviendraient"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        error_messages={"required": _("Indiquez les jours et horaires qui vous conviendraient.")},
    )


class CheckInForm(forms.Form):
    went_well = forms.CharField(
        label=_("Ce qui s'est bien passé depuis le bilan"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    obstacles = forms.CharField(
        label=_("Les obstacles rencontrés"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    help_needed = forms.CharField(
        label=_("L'aide dont vous auriez besoin"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, actions: list[Action], saved: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        action_fields(self, actions, saved or {}, _("Un mot sur cette action (facultatif)"))

    def clean(self):
        data = super().clean()
        if self.action_rows or any(data.get(n) for n in ("went_well", "obstacles", "help_needed")):
            return data
        raise forms.ValidationError(_("Répondez à au moins une question avant d'envoyer."))


class SurveyForm(forms.ModelForm):
    class Meta:
        model = SurveyResponse
        fields = ["satisfaction", "usefulness", "project_status", "comment"]
        widgets = {
            "satisfaction": forms.RadioSelect(choices=[(i, str(i)) for i in range(1, 6)]),
            "usefulness": forms.RadioSelect(choices=[(i, str(i)) for i in range(1, 6)]),
            "comment": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "satisfaction": {"required": _("Donnez une note de 1 à 5.")},
            "usefulness": {"required": _("Donnez une note de 1 à 5.")},
            "project_status": {"required": _("Indiquez où en est votre projet.")},
        }
