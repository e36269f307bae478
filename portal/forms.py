"""The portal's forms: short, labelled, in plain French."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import NewPasswordForm
from bilan.models import Action, ActionStatus
from portal.models import DataRequestKind, SharePurpose
from portal.services import DEFAULT_SHARE_VALIDITY_DAYS, SHARE_VALIDITY_CHOICES


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
