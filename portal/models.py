"""The beneficiary's portal: how they get in (invitation), whom they share their synthesis
with (SynthesisShare), and what they ask about their data (DataRequest). Rules live in
portal/services/."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel
from core.tokens import RevocableToken, SingleUseToken


class PortalInvitation(TenantModel, SingleUseToken):
    """The consultant invites the beneficiary to their portal: the link lets them set a
    password. Expiring, single use, stored hashed (core.tokens)."""

    beneficiary = models.ForeignKey(
        "bilan.Beneficiary",
        on_delete=models.CASCADE,
        related_name="portal_invitations",
        verbose_name=_("bénéficiaire"),
    )
    email = models.EmailField(_("adresse e-mail"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invité(e) par"),
        editable=False,
    )

    class Meta:
        verbose_name = _("invitation au portail")
        verbose_name_plural = _("invitations au portail")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "beneficiary", "-created_at"])]

    def __str__(self) -> str:
        return self.email


class SharePurpose(models.TextChoices):
    CEP = "cep", _("Mon conseiller en évolution professionnelle (CEP)")
    OTHER = "other", _("Une autre personne de mon choix")


class SynthesisShare(TenantModel, RevocableToken):
    """The beneficiary sends their synthesis to someone they name (L6313-4): a link that
    expires and that they can revoke. Every opening is recorded as a `shared_read` access."""

    synthesis = models.ForeignKey(
        "bilan.Synthesis",
        on_delete=models.CASCADE,
        related_name="shares",
        verbose_name=_("document de synthèse"),
    )
    recipient_name = models.CharField(_("nom du destinataire"), max_length=150)
    recipient_email = models.EmailField(_("adresse e-mail du destinataire"))
    purpose = models.CharField(_("destinataire"), max_length=10, choices=SharePurpose.choices)
    message = models.TextField(_("message personnel"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_count = models.PositiveIntegerField(_("consultations"), default=0)
    last_opened_at = models.DateTimeField(_("dernière consultation"), null=True, blank=True)

    class Meta:
        verbose_name = _("partage de la synthèse")
        verbose_name_plural = _("partages de la synthèse")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "synthesis", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.recipient_name} <{self.recipient_email}>"


class DataRequestKind(models.TextChoices):
    CORRECTION = "correction", _("Corriger des informations")
    ERASURE = "erasure", _("Effacer mes données")
    OTHER = "other", _("Autre demande (accès, opposition, limitation)")


class DataRequestStatus(models.TextChoices):
    NEW = "new", _("Reçue")
    IN_PROGRESS = "in_progress", _("En cours de traitement")
    DONE = "done", _("Traitée")
    REFUSED = "refused", _("Refusée (motif indiqué)")


class DataRequest(TenantModel):
    """A beneficiary's request about their personal data (RGPD art. 16 and 17). It goes to the
    organisation's admins, who handle it in the Django admin and record the outcome."""

    beneficiary = models.ForeignKey(
        "bilan.Beneficiary",
        on_delete=models.CASCADE,
        related_name="data_requests",
        verbose_name=_("bénéficiaire"),
    )
    kind = models.CharField(_("demande"), max_length=20, choices=DataRequestKind.choices)
    details = models.TextField(_("précisions"))
    status = models.CharField(
        _("état"), max_length=20, choices=DataRequestStatus.choices, default=DataRequestStatus.NEW
    )
    response = models.TextField(
        _("réponse au bénéficiaire"),
        blank=True,
        help_text=_("Ce que vous avez fait, ou le motif d'un refus. Le bénéficiaire la voit."),
    )
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True)
    handled_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traitée par"),
    )

    class Meta:
        verbose_name = _("demande sur les données personnelles")
        verbose_name_plural = _("demandes sur les données personnelles")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organisation", "status", "-created_at"]),
            models.Index(fields=["organisation", "beneficiary", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.beneficiary}"

    @property
    def is_open(self) -> bool:
        return self.status in (DataRequestStatus.NEW, DataRequestStatus.IN_PROGRESS)
