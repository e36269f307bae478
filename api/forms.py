from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

DURATION_CHOICES = [
    ("7", _("7 jours")),
    ("30", _("30 jours")),
    ("90", _("90 jours")),
    ("365", _("1 an")),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du jeton"),
        max_length=100,
        help_text=_("Pour le reconnaître plus tard : l'application ou le poste qui l'utilise."),
    )
    days = forms.ChoiceField(label=_("Validité"), choices=DURATION_CHOICES, initial="30")
