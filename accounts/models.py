from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel
from core.tokens import SingleUseToken

LOGO_MAX_BYTES = 1024 * 1024


def validate_logo_size(file) -> None:
    if file and file.size > LOGO_MAX_BYTES:
        raise ValidationError(_("Le logo ne doit pas dépasser 1 Mo."))


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email: str):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in, by email. Staff here means platform staff or an organisation admin."""

    email = models.EmailField(_("adresse e-mail"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("accès à l'administration"),
        default=False,
        help_text=_("Peut se connecter à l'interface d'administration."),
    )
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class Organisation(models.Model):
    """The tenant: an organisme prestataire de bilans de compétences."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(_("identifiant"), max_length=60, unique=True)
    contact_email = models.EmailField(_("adresse de contact"), blank=True)
    logo = models.ImageField(
        _("logo"),
        upload_to="logos/",
        blank=True,
        validators=[validate_logo_size],
        help_text=_("PNG ou JPEG, 1 Mo au plus. Il figure sur les documents de synthèse."),
    )
    follow_up_delay_months = models.PositiveSmallIntegerField(
        _("délai de l'entretien de suivi (mois)"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("Délai entre la remise de la synthèse et l'entretien de suivi."),
    )
    follow_up_lead_days = models.PositiveSmallIntegerField(
        _("envoi de l'invitation (jours avant l'échéance)"),
        default=21,
        validators=[MaxValueValidator(90)],
    )
    minimum_hours = models.DecimalField(
        _("durée minimale d'accompagnement (heures)"),
        max_digits=4,
        decimal_places=1,
        default=Decimal(13),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(24))],
        help_text=_("Plancher annoncé par un décret de 2026 : un avertissement avant la remise."),
    )
    warn_below_minimum_hours = models.BooleanField(
        _("avertir sous la durée minimale"), default=True
    )
    admins_read_syntheses = models.BooleanField(
        _("les administrateurs peuvent lire les synthèses"),
        default=False,
        help_text=_("Par défaut, seuls le bénéficiaire et ses consultants les lisent."),
    )
    first_reminder_days = models.PositiveSmallIntegerField(
        _("première relance (jours sans réponse)"), default=7
    )
    second_reminder_days = models.PositiveSmallIntegerField(
        _("seconde relance (jours sans réponse)"), default=14
    )
    interview_reminder_hours = models.PositiveSmallIntegerField(
        _("rappel avant l'entretien (heures)"), default=48
    )
    require_mfa = models.BooleanField(
        _("double authentification obligatoire pour les consultants"), default=False
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrateur")
    CONSULTANT = "consultant", _("Consultant")


ROLE_RANK = {Role.CONSULTANT: 1, Role.ADMIN: 2}


class Membership(TenantModel):
    """A person working for an organisation. Lookups by user go through `memberships_of`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("utilisateur"),
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.CONSULTANT)
    created_at = models.DateTimeField(_("depuis le"), auto_now_add=True)

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        ordering = ["user__last_name", "user__first_name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


def memberships_of(user) -> models.QuerySet[Membership]:
    """A user's memberships across organisations: the one deliberate unscoped read of them."""
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return (
        Membership.objects.unscoped()
        .filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


class Invitation(TenantModel, SingleUseToken):
    """An organisation admin invites a consultant (or admin) by email; single use, expiring."""

    email = models.EmailField(_("adresse e-mail"))
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices, default=Role.CONSULTANT)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invité par"),
        editable=False,
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email
