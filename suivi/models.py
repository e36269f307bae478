"""The suivi post-bilan: follow-ups, the messages they send, slots and bookings, the
beneficiary's check-in, the interview record and the "à froid" questionnaire.

Due dates are data (docs/scheduling.md): the tick reads them; nothing waits in a Celery ETA.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bilan.models import ActionStatus, MeetingMode
from core.tenancy import TenantModel
from core.tokens import SingleUseToken


class FollowUpKind(models.TextChoices):
    SIX_MONTH = "six_month", _("Entretien de suivi à six mois")
    ADDITIONAL = "additional", _("Entretien de suivi complémentaire")


class FollowUpState(models.TextChoices):
    SCHEDULED = "scheduled", _("Programmé")
    INVITED = "invited", _("Invitation envoyée")
    BOOKED = "booked", _("Rendez-vous pris")
    HELD = "held", _("Entretien réalisé")
    NO_RESPONSE = "no_response", _("Sans réponse")
    DECLINED = "declined", _("Décliné")
    CANCELLED = "cancelled", _("Annulé")


# States in which the beneficiary may still book, and the tick may still write to them.
OPEN_STATES = (FollowUpState.SCHEDULED, FollowUpState.INVITED, FollowUpState.NO_RESPONSE)
ACTIVE_STATES = (*OPEN_STATES, FollowUpState.BOOKED)

# Every move a follow-up's state may make, and what makes it. FollowUp.transition_to() is the
# only way to change the state; FollowUp.save() refuses a state set by hand.
_CLOSING = (FollowUpState.HELD, FollowUpState.DECLINED, FollowUpState.CANCELLED)
FOLLOW_UP_TRANSITIONS: dict[str, frozenset[str]] = {
    # the invitation goes out (the tick or "invite now"); a slot is booked; the interview is
    # recorded, the beneficiary declines or the consultant cancels (_CLOSING)
    FollowUpState.SCHEDULED: frozenset({FollowUpState.INVITED, FollowUpState.BOOKED, *_CLOSING}),
    # the last reminder went unanswered (the tick)
    FollowUpState.INVITED: frozenset({FollowUpState.NO_RESPONSE, FollowUpState.BOOKED, *_CLOSING}),
    # the consultant moves the follow-up: it is open to an answer again
    FollowUpState.NO_RESPONSE: frozenset({FollowUpState.INVITED, FollowUpState.BOOKED, *_CLOSING}),
    # BOOKED again: moved to another slot; back to SCHEDULED or INVITED: the booking is cancelled
    FollowUpState.BOOKED: frozenset(
        {FollowUpState.BOOKED, FollowUpState.SCHEDULED, FollowUpState.INVITED, *_CLOSING}
    ),
    # the interview record is corrected
    FollowUpState.HELD: frozenset({FollowUpState.HELD}),
    FollowUpState.DECLINED: frozenset(),
    FollowUpState.CANCELLED: frozenset(),
}


class IllegalStateChange(Exception):
    """A follow-up was asked for a state change that FOLLOW_UP_TRANSITIONS does not allow, or
    its state was set without FollowUp.transition_to(): a bug, not a person's mistake."""


class FollowUp(TenantModel):
    bilan = models.ForeignKey(
        "bilan.Bilan", on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("bilan")
    )
    kind = models.CharField(
        _("type"), max_length=20, choices=FollowUpKind.choices, default=FollowUpKind.SIX_MONTH
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("consultant(e)"),
    )
    state = models.CharField(
        _("état"), max_length=20, choices=FollowUpState.choices, default=FollowUpState.SCHEDULED
    )
    due_on = models.DateField(_("échéance"))
    invite_on = models.DateField(_("envoi de l'invitation le"))
    invited_at = models.DateTimeField(_("invité le"), null=True, blank=True)
    answered_at = models.DateTimeField(_("réponse le"), null=True, blank=True)
    declined_at = models.DateTimeField(_("décliné le"), null=True, blank=True)
    declined_by_beneficiary = models.BooleanField(_("décliné par le bénéficiaire"), default=False)
    held_at = models.DateTimeField(_("réalisé le"), null=True, blank=True)
    move_reason = models.TextField(_("motif du report"), blank=True)
    cancel_reason = models.TextField(_("motif de l'annulation ou du refus"), blank=True)
    another_time_request = models.TextField(_("demande d'un autre horaire"), blank=True)
    another_time_requested_at = models.DateTimeField(null=True, blank=True)
    ics_sequence = models.PositiveIntegerField(_("version du rendez-vous (ICS)"), default=0)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("suivi post-bilan")
        verbose_name_plural = _("suivis post-bilan")
        ordering = ["due_on", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["bilan", "kind"], name="followup_unique_per_bilan_kind")
        ]
        indexes = [
            models.Index(fields=["organisation", "state", "due_on"]),
            models.Index(fields=["organisation", "consultant", "due_on"]),
            models.Index(fields=["state", "invite_on"], name="followup_tick_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.bilan.beneficiary}"

    @classmethod
    def from_db(cls, db, field_names, values) -> FollowUp:
        """Remember the state as stored, so that save() can tell a state set by hand."""
        follow_up = super().from_db(db, field_names, values)
        follow_up._stored_state = follow_up.__dict__.get("state")
        return follow_up

    def refresh_from_db(self, using=None, fields=None, from_queryset=None) -> None:
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)
        if fields is None or "state" in fields:
            self._stored_state = self.__dict__.get("state")
            self._moved_to = None

    def transition_to(self, state: str) -> None:
        """Change the state (saved with the next save()) if FOLLOW_UP_TRANSITIONS allows it."""
        if state not in FOLLOW_UP_TRANSITIONS[self.state]:
            raise IllegalStateChange(
                f"A follow-up cannot go from '{self.state}' to '{state}' ({self.pk})."
            )
        self.state = state
        self._moved_to = state

    def save(self, *args, **kwargs) -> None:
        """Refuse a state that changed without transition_to() (a new row starts anywhere)."""
        stored = getattr(self, "_stored_state", None)
        current = self.__dict__.get("state", stored)
        if stored is not None and current not in (stored, getattr(self, "_moved_to", None)):
            raise IllegalStateChange(
                f"A follow-up's state went from '{stored}' to '{current}' without "
                f"transition_to() ({self.pk})."
            )
        super().save(*args, **kwargs)
        self._stored_state = self.__dict__.get("state")
        self._moved_to = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def active_booking(self) -> Booking | None:
        return next((b for b in self.bookings.all() if b.cancelled_at is None), None)

    @property
    def state_badge(self) -> str:
        return {
            FollowUpState.SCHEDULED: "badge-blue",
            FollowUpState.INVITED: "badge-blue",
            FollowUpState.BOOKED: "badge-green",
            FollowUpState.HELD: "badge-green",
            FollowUpState.NO_RESPONSE: "badge-amber",
            FollowUpState.DECLINED: "badge-red",
            FollowUpState.CANCELLED: "badge-red",
        }[FollowUpState(self.state)]


class MessageKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    REMINDER_1 = "reminder_1", _("Première relance")
    REMINDER_2 = "reminder_2", _("Seconde relance")
    BOOKING_CONFIRMATION = "booking_confirmation", _("Confirmation du rendez-vous")
    BOOKING_CONSULTANT = "booking_consultant", _("Rendez-vous pris (consultant)")
    BOOKING_CANCELLED = "booking_cancelled", _("Annulation du rendez-vous")
    BOOKING_CANCELLED_CONSULTANT = (
        "booking_cancelled_consultant",
        _("Annulation du rendez-vous (consultant)"),
    )
    INTERVIEW_REMINDER = "interview_reminder", _("Rappel avant l'entretien")
    ANOTHER_TIME = "another_time", _("Demande d'un autre horaire (consultant)")
    DECLINED_CONSULTANT = "declined_consultant", _("Suivi décliné (consultant)")
    NEW_LINK = "new_link", _("Nouveau lien")
    SURVEY = "survey", _("Questionnaire à froid")


class MessageState(models.TextChoices):
    PENDING = "pending", _("À envoyer")
    SENDING = "sending", _("En cours d'envoi")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("Échec")
    SKIPPED = "skipped", _("Sans objet")


class Invitation(TenantModel):
    """One row per message of a follow-up (invitation, reminders, confirmations...).

    "At most once" is a database fact: (follow-up, kind, key) is unique, where `key` is empty for
    the one-off messages and the booking id for the messages of a booking.
    """

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="messages")
    booking = models.ForeignKey(
        "Booking", on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    kind = models.CharField(_("message"), max_length=40, choices=MessageKind.choices)
    key = models.CharField(max_length=64, blank=True, default="")
    to_email = models.EmailField(_("destinataire"))
    state = models.CharField(
        _("état"), max_length=20, choices=MessageState.choices, default=MessageState.PENDING
    )
    not_before = models.DateTimeField(_("à envoyer à partir du"), default=timezone.now)
    claimed_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("message de suivi")
        verbose_name_plural = _("messages de suivi")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "kind", "key"], name="suivi_message_once_per_kind"
            )
        ]
        indexes = [
            models.Index(fields=["state", "not_before"], name="suivi_message_due_idx"),
            models.Index(fields=["organisation", "follow_up", "kind"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to_email}"


class LinkPurpose(models.TextChoices):
    ACCESS = "access", _("Accès au suivi")
    DECLINE = "decline", _("Décliner le suivi")
    SURVEY = "survey", _("Questionnaire")


class AccessLink(TenantModel, SingleUseToken):
    """A single-use, expiring link sent by email for one purpose (core.tokens.SingleUseToken:
    only the SHA-256 of its secret is stored, and it is spent once)."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="links")
    purpose = models.CharField(max_length=20, choices=LinkPurpose.choices)

    token_bytes = 24  # the secret travels inside a signed token: keep the link short

    class Meta:
        verbose_name = _("lien d'accès")
        verbose_name_plural = _("liens d'accès")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.expires_at:%d/%m/%Y}"


class Slot(TenantModel):
    """A time the consultant is available for a follow-up interview."""

    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="suivi_slots",
        verbose_name=_("consultant(e)"),
    )
    starts_at = models.DateTimeField(_("début"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("durée (minutes)"),
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(240)],
    )
    location = models.CharField(
        _("lieu (présentiel)"), max_length=200, blank=True, help_text=_("Adresse du rendez-vous.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("créneau")
        verbose_name_plural = _("créneaux")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultant", "starts_at"], name="slot_unique_consultant_start"
            )
        ]
        indexes = [models.Index(fields=["organisation", "consultant", "starts_at"])]

    def __str__(self) -> str:
        return timezone.localtime(self.starts_at).strftime("%d/%m/%Y %H:%M")

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class Booking(TenantModel):
    """A booked slot. The slot is a OneToOne: a slot is never booked twice. A cancelled booking
    lets go of its slot (slot = NULL) and keeps its times for the record."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="bookings")
    slot = models.OneToOneField(
        Slot, on_delete=models.SET_NULL, null=True, blank=True, related_name="booking"
    )
    starts_at = models.DateTimeField(_("début"))
    duration_minutes = models.PositiveSmallIntegerField(_("durée (minutes)"), default=60)
    mode = models.CharField(_("modalité"), max_length=20, choices=MeetingMode.choices)
    location = models.CharField(_("lieu"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("annulé le"), null=True, blank=True)
    cancel_reason = models.TextField(_("motif"), blank=True)
    sequence = models.PositiveIntegerField(
        _("version du rendez-vous (ICS)"),
        default=0,
        help_text=_("SEQUENCE de l'événement : relevée à chaque réservation et annulation."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rendez-vous de suivi")
        verbose_name_plural = _("rendez-vous de suivi")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up"],
                condition=Q(cancelled_at__isnull=True),
                name="booking_one_active_per_followup",
            )
        ]
        indexes = [models.Index(fields=["organisation", "starts_at"])]

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def __str__(self) -> str:
        return _("Rendez-vous du %(d)s") % {
            "d": timezone.localtime(self.starts_at).strftime("%d/%m/%Y %H:%M")
        }


class CheckIn(TenantModel):
    """The beneficiary's own review before the interview (auto-évaluation préalable)."""

    follow_up = models.OneToOneField(FollowUp, on_delete=models.CASCADE, related_name="check_in")
    # {action_id: {"status": ActionStatus, "comment": str}}
    actions = models.JSONField(_("avancement des actions"), default=dict, blank=True)
    went_well = models.TextField(_("ce qui s'est bien passé"), blank=True)
    obstacles = models.TextField(_("les obstacles rencontrés"), blank=True)
    help_needed = models.TextField(_("l'aide dont j'ai besoin"), blank=True)
    submitted_at = models.DateTimeField(_("envoyée le"), auto_now=True)

    class Meta:
        verbose_name = _("auto-évaluation préalable")
        verbose_name_plural = _("auto-évaluations préalables")

    def __str__(self) -> str:
        return _("Auto-évaluation du %(d)s") % {
            "d": timezone.localtime(self.submitted_at).strftime("%d/%m/%Y")
        }


class Outcome(models.TextChoices):
    ACHIEVED = "achieved", _("Projet réalisé")
    IN_PROGRESS = "in_progress", _("Projet en cours")
    REDIRECTED = "redirected", _("Projet réorienté")
    ABANDONED = "abandoned", _("Projet abandonné")
    NO_NEWS = "no_news", _("Sans nouvelles")


class FollowUpInterview(TenantModel):
    """The record of the follow-up interview."""

    follow_up = models.OneToOneField(FollowUp, on_delete=models.CASCADE, related_name="interview")
    held_on = models.DateField(_("date de l'entretien"))
    mode = models.CharField(_("modalité"), max_length=20, choices=MeetingMode.choices)
    # {action_id: {"status": ActionStatus, "comment": str}}
    action_progress = models.JSONField(_("avancement par action"), default=dict, blank=True)
    results_vs_goals = models.TextField(_("résultats au regard des objectifs"), blank=True)
    obstacles = models.TextField(_("freins rencontrés"), blank=True)
    levers = models.TextField(_("leviers et ressources mobilisés"), blank=True)
    adjustment = models.TextField(_("réajustement du projet"), blank=True)
    next_steps = models.TextField(_("prochaines étapes"), blank=True)
    outcome = models.CharField(_("issue"), max_length=20, choices=Outcome.choices)
    further_follow_up_on = models.DateField(_("nouveau suivi le"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("entretien de suivi")
        verbose_name_plural = _("entretiens de suivi")
        indexes = [models.Index(fields=["organisation", "outcome"])]

    def __str__(self) -> str:
        return _("Entretien de suivi du %(d)s") % {"d": self.held_on.strftime("%d/%m/%Y")}


class Survey(TenantModel):
    """The "à froid" satisfaction questionnaire sent when the interview is held."""

    follow_up = models.OneToOneField(FollowUp, on_delete=models.CASCADE, related_name="survey")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire à froid")
        verbose_name_plural = _("questionnaires à froid")

    def __str__(self) -> str:
        return _("Questionnaire à froid du %(d)s") % {
            "d": timezone.localtime(self.created_at).strftime("%d/%m/%Y")
        }


class SurveyResponse(TenantModel):
    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="response")
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction globale (1 à 5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    usefulness = models.PositiveSmallIntegerField(
        _("utilité du bilan pour votre projet (1 à 5)"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    project_status = models.CharField(
        _("où en est votre projet ?"), max_length=20, choices=Outcome.choices[:4]
    )
    comment = models.TextField(_("commentaire"), blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("réponse au questionnaire à froid")
        verbose_name_plural = _("réponses au questionnaire à froid")

    def __str__(self) -> str:
        return _("Réponse du %(d)s") % {
            "d": timezone.localtime(self.submitted_at).strftime("%d/%m/%Y")
        }


ACTION_STATUS_CHOICES = ActionStatus.choices
