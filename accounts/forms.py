from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _


class NewPasswordForm(forms.Form):
    """Two password fields, checked against each other and Django's validators (which compare
    the password with the person's name and email)."""

    password1 = forms.CharField(
        label=_("Choisissez un mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Saisissez-le une seconde fois"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str = "", first_name: str = "", last_name: str = "", **kw):
        super().__init__(*args, **kw)
        self.person = {"email": email, "first_name": first_name, "last_name": last_name}

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Les deux mots de passe ne correspondent pas."))
        elif p1:
            from accounts.models import User

            person = {**self.person, **{k: cleaned[k] for k in self.person if cleaned.get(k)}}
            try:
                password_validation.validate_password(p1, User(**person))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class AcceptInvitationForm(NewPasswordForm):
    first_name = forms.CharField(label=_("Prénom"), max_length=150)
    last_name = forms.CharField(label=_("Nom"), max_length=150)
    field_order = ["first_name", "last_name", "password1", "password2"]


class SwitchOrganisationForm(forms.Form):
    organisation = forms.UUIDField()
