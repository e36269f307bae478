from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bilan.models import BilanStatus, Funding


class PortfolioFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Nom ou adresse e-mail")}),
    )
    status = forms.ChoiceField(
        label=_("Phase"),
        required=False,
        choices=[
            ("", _("Toutes les phases")),
            ("open", _("En cours (trois phases)")),
            *BilanStatus.choices,
        ],
    )
    funding = forms.ChoiceField(
        label=_("Financement"),
        required=False,
        choices=[("", _("Tous les financements")), *Funding.choices],
    )
