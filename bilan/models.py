"""The bilan de compétences: beneficiaries, bilans and their phases, meetings (the hours
ledger), the document de synthèse and the action plan. Rules live in bilan/services/."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.tenancy import TenantModel

MAX_ACCOMPANIMENT_HOURS = Decimal(24)  # Code du travail L6313-4


class EmploymentStatus(models.TextChoices):
    EMPLOYEE_PERMANENT = "cdi", _("Salarié(e) en CDI")
    EMPLOYEE_FIXED_TERM = "cdd", _("Salarié(e) en CDD ou intérim")
    CIVIL_SERVANT = "public", _("Agent de la fonction publique")
    JOB_SEEKER = "job_seeker", _("Demandeur(se) d'emploi")
    SELF_EMPLOYED = "self_employed", _("Indépendant(e), profession libérale")
    OTHER = "other", _("Autre situation")


class ConsentMethod(models.TextChoices):
    SIGNED = "signed", _("Document signé")
    EMAIL = "email", _("Accord par e-mail")
    CPF = "cpf", _("Inscription sur Mon Compte Formation")
    CONVENTION = "convention", _("Convention tripartite signée")


class Beneficiary(TenantModel):
    """The person who undertakes the bilan. Only what the bilan needs (L6313-4)."""

    first_name = models.CharField(_("prénom"), max_length=150)
    last_name = models.CharField(_("nom"), max_length=150)
    email = models.EmailField(_("adresse e-mail"))
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    employment_status = models.CharField(
        _("situation professionnelle"), max_length=20, choices=EmploymentStatus.choices
    )
    current_job = models.CharField(_("emploi actuel ou dernier emploi"), max_length=200, blank=True)
    consent_given_on = models.DateField(_("consentement au bilan recueilli le"))
    consent_method = models.CharField(
        _("forme du consentement"), max_length=20, choices=ConsentMethod.choices
    )
    keeps_documents_for_follow_up = models.BooleanField(
        _("accepte la conservation de ses documents pour le suivi"),
        default=False,
        help_text=_("Accord écrit du bénéficiaire (R6313-7) : trois ans au plus."),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="beneficiary_profile",
        verbose_name=_("compte du portail"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enregistré par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("bénéficiaire")
        verbose_name_plural = _("bénéficiaires")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("email"), name="beneficiary_unique_email_per_organisation"
            )
        ]
        indexes = [models.Index(fields=["organisation", "last_name", "first_name"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


# What a beneficiary record holds, in the order forms show it (web, admin and API share it).
BENEFICIARY_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "employment_status",
    "current_job",
    "consent_given_on",
    "consent_method",
    "keeps_documents_for_follow_up",
]


class Phase(models.TextChoices):
    PRELIMINARY = "preliminary", _("Préliminaire")
    INVESTIGATION = "investigation", _("Investigation")
    CONCLUSION = "conclusion", _("Conclusion")


class BilanStatus(models.TextChoices):
    PRELIMINARY = "preliminary", _("Phase préliminaire")
    INVESTIGATION = "investigation", _("Phase d'investigation")
    CONCLUSION = "conclusion", _("Phase de conclusion")
    DELIVERED = "delivered", _("Synthèse remise")
    CLOSED = "closed", _("Clos")
    ABANDONED = "abandoned", _("Abandonné")


class Funding(models.TextChoices):
    CPF = "cpf", _("CPF (Mon Compte Formation)")
    EMPLOYER = "employer", _("Plan de développement des compétences (employeur)")
    OPCO = "opco", _("OPCO")
    FRANCE_TRAVAIL = "france_travail", _("France Travail")
    PERSONAL = "personal", _("Financement personnel")


class Bilan(TenantModel):
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="bilans", verbose_name=_("bénéficiaire")
    )
    consultants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="bilans", verbose_name=_("consultant(s)")
    )
    status = models.CharField(
        _("état"), max_length=20, choices=BilanStatus.choices, default=BilanStatus.PRELIMINARY
    )
    funding = models.CharField(_("financement"), max_length=20, choices=Funding.choices)
    cpf_dossier_number = models.CharField(_("numéro de dossier CPF"), max_length=40, blank=True)
    cpf_registered_on = models.DateField(
        _("inscription sur Mon Compte Formation le"),
        null=True,
        blank=True,
        help_text=_("Ouvre le délai de rétractation de 11 jours ouvrés."),
    )
    goals = models.TextField(
        _("objectifs convenus en phase préliminaire"),
        blank=True,
        help_text=_("Un objectif par ligne. L'entretien de suivi les mesure."),
    )
    planned_hours = models.DecimalField(
        _("heures d'accompagnement prévues"),
        max_digits=4,
        decimal_places=1,
        default=Decimal(24),
        validators=[MinValueValidator(Decimal(1)), MaxValueValidator(MAX_ACCOMPANIMENT_HOURS)],
    )
    started_on = models.DateField(_("début du bilan"))
    ended_on = models.DateField(_("fin du bilan"), null=True, blank=True)
    abandon_reason = models.TextField(_("motif d'abandon"), blank=True)
    hours_override_reason = models.TextField(
        _("dérogation au plafond de 24 h : motif"),
        blank=True,
        help_text=_("Renseigné par un administrateur seulement."),
    )
    hours_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dérogation accordée par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("bilan de compétences")
        verbose_name_plural = _("bilans de compétences")
        ordering = ["-started_on", "-created_at"]
        indexes = [
            models.Index(fields=["organisation", "status", "-started_on"]),
            models.Index(fields=["organisation", "funding"]),
            models.Index(fields=["organisation", "-started_on", "-created_at"]),
        ]

    def __str__(self) -> str:
        return _("Bilan de %(name)s") % {"name": self.beneficiary}

    @property
    def is_open(self) -> bool:
        return self.status in (
            BilanStatus.PRELIMINARY,
            BilanStatus.INVESTIGATION,
            BilanStatus.CONCLUSION,
        )


class MeetingMode(models.TextChoices):
    IN_PERSON = "in_person", _("Présentiel")
    VIDEO = "video", _("Visio")
    PHONE = "phone", _("Téléphone")


class Meeting(TenantModel):
    """One entretien, counted in the hours ledger when it is accompaniment time."""

    bilan = models.ForeignKey(
        Bilan, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("bilan")
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    starts_at = models.DateTimeField(_("début"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("durée (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(8 * 60)]
    )
    mode = models.CharField(_("modalité"), max_length=20, choices=MeetingMode.choices)
    is_accompaniment = models.BooleanField(
        _("temps d'accompagnement"),
        default=True,
        help_text=_("Compte dans le plafond de 24 heures (le travail personnel ne compte pas)."),
    )
    notes = models.TextField(_("notes de travail (privées)"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("entretien")
        verbose_name_plural = _("entretiens")
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["organisation", "bilan", "starts_at"]),
            models.Index(fields=["organisation", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} · {self.starts_at:%d/%m/%Y}"

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.duration_minutes) / 60).quantize(Decimal("0.01"))


# The document de synthèse, section by section (R6313-4, conclusion phase).
SYNTHESIS_SECTIONS: list[tuple[str, str, str]] = [
    (
        "request_context",
        _("La demande et son contexte"),
        _("Les circonstances du bilan, la demande du bénéficiaire."),
    ),
    (
        "path_followed",
        _("La démarche suivie"),
        _("Les étapes, les outils et les entretiens du bilan."),
    ),
    ("competences", _("Compétences, aptitudes et motivations identifiées"), ""),
    ("project", _("Le projet professionnel et ses alternatives"), ""),
    (
        "success_conditions",
        _("Conditions et moyens de réussite"),
        _("Formations, financements, ressources à mobiliser."),
    ),
    ("implementation_steps", _("Principales étapes de mise en œuvre"), ""),
    (
        "follow_up_offer",
        _("Le suivi proposé"),
        _("L'entretien de suivi à six mois et ses modalités."),
    ),
]
SECTION_FIELDS = [name for name, _title, _help in SYNTHESIS_SECTIONS]


class Synthesis(TenantModel):
    """The document de synthèse: the beneficiary's property. Edited as drafts, delivered once."""

    bilan = models.OneToOneField(
        Bilan, on_delete=models.CASCADE, related_name="synthesis", verbose_name=_("bilan")
    )
    request_context = models.TextField(_("la demande et son contexte"), blank=True)
    path_followed = models.TextField(_("la démarche suivie"), blank=True)
    competences = models.TextField(_("compétences, aptitudes et motivations"), blank=True)
    project = models.TextField(_("projet professionnel et alternatives"), blank=True)
    success_conditions = models.TextField(_("conditions et moyens de réussite"), blank=True)
    implementation_steps = models.TextField(_("principales étapes de mise en œuvre"), blank=True)
    follow_up_offer = models.TextField(_("suivi proposé"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    beneficiary_comment = models.TextField(_("commentaire du bénéficiaire"), blank=True)
    delivered_at = models.DateTimeField(_("remise le"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    follow_up_accepted = models.BooleanField(
        _("le bénéficiaire accepte l'entretien de suivi"), null=True, blank=True
    )
    pdf = models.FileField(_("PDF remis"), upload_to="syntheses/%Y/%m/", blank=True)
    pdf_sha256 = models.CharField(_("empreinte SHA-256 du PDF"), max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("document de synthèse")
        verbose_name_plural = _("documents de synthèse")

    def __str__(self) -> str:
        return _("Synthèse de %(name)s") % {"name": self.bilan.beneficiary}

    @property
    def is_delivered(self) -> bool:
        return self.delivered_at is not None

    def sections(self) -> list[dict]:
        return [
            {"name": name, "title": title, "help": help_text, "text": getattr(self, name)}
            for name, title, help_text in SYNTHESIS_SECTIONS
        ]


class SynthesisRevision(TenantModel):
    """A saved draft of the synthesis (its sections as they were)."""

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(_("version"))
    content = models.JSONField(_("contenu"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("version de la synthèse")
        verbose_name_plural = _("versions de la synthèse")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["synthesis", "version"], name="synthesis_revision_unique"
            )
        ]


class AccessAction(models.TextChoices):
    READ = "read", _("Lecture")
    DOWNLOAD = "download", _("Téléchargement")
    SHARE = "share", _("Partage")
    SHARED_READ = "shared_read", _("Consultation par un destinataire du partage")


class SynthesisAccess(TenantModel):
    """Every read, download and share of a synthesis (confidentiality, L6313-4)."""

    synthesis = models.ForeignKey(Synthesis, on_delete=models.CASCADE, related_name="accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    detail = models.CharField(_("détail"), max_length=255, blank=True)
    at = models.DateTimeField(_("le"), auto_now_add=True)

    class Meta:
        verbose_name = _("accès à la synthèse")
        verbose_name_plural = _("accès à la synthèse")
        ordering = ["-at"]
        indexes = [models.Index(fields=["organisation", "synthesis", "-at"])]


class ActionPlan(TenantModel):
    bilan = models.OneToOneField(Bilan, on_delete=models.CASCADE, related_name="action_plan")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan d'action")
        verbose_name_plural = _("plans d'action")

    def __str__(self) -> str:
        return _("Plan d'action de %(name)s") % {"name": self.bilan.beneficiary}


class ActionStatus(models.TextChoices):
    TODO = "todo", _("À faire")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Fait")
    ABANDONED = "abandoned", _("Abandonné")


class Action(TenantModel):
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(_("action"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    target_date = models.DateField(_("échéance"), null=True, blank=True)
    status = models.CharField(
        _("état"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.TODO
    )
    resources = models.TextField(
        _("ressources"), blank=True, help_text=_("Contacts, liens, organismes à mobiliser.")
    )
    obstacles = models.TextField(_("obstacles identifiés"), blank=True)
    notes = models.TextField(_("notes du bénéficiaire"), blank=True)
    added_by_beneficiary = models.BooleanField(_("ajoutée par le bénéficiaire"), default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["position", "target_date", "created_at"]
        indexes = [models.Index(fields=["organisation", "plan", "position"])]

    def __str__(self) -> str:
        return self.title


class EventKind(models.TextChoices):
    CREATED = "created", _("Bilan ouvert")
    STATUS = "status", _("Changement de phase")
    MEETING = "meeting", _("Entretien")
    SYNTHESIS = "synthesis", _("Synthèse")
    DELIVERY = "delivery", _("Remise de la synthèse")
    ACTION = "action", _("Plan d'action")
    FOLLOW_UP = "follow_up", _("Suivi")
    ACCESS = "access", _("Accès au document")


class BilanEvent(TenantModel):
    """The bilan's timeline, written by the services as things happen."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    message = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("événements")
        ordering = ["-at"]
        indexes = [models.Index(fields=["organisation", "bilan", "-at"])]
