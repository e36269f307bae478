"""Django admin for the bilan's models, scoped by accounts.admin.TenantAdmin.

What the rules guard (phases, the hours ceiling, delivery) goes through bilan.services in the
application; here those rows are shown read-only. The synthesis's content never appears in the
admin (confidentiality, L6313-4): only its dates, version and fingerprint.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin import TenantAdmin
from bilan.models import (
    BENEFICIARY_FIELDS,
    SECTION_FIELDS,
    Action,
    Beneficiary,
    Bilan,
    Meeting,
    Synthesis,
)
from core.tenancy import current_organisation


class BeneficiaryAdminForm(forms.ModelForm):
    class Meta:
        model = Beneficiary
        fields = ["organisation", *BENEFICIARY_FIELDS]

    def clean(self):
        data = super().clean()
        email = (data.get("email") or "").strip().lower()
        organisation = (
            data.get("organisation")
            or (self.instance.organisation if self.instance.organisation_id else None)
            or current_organisation()
        )
        if email and organisation is not None:
            duplicate = (
                Beneficiary.objects.unscoped()
                .filter(organisation=organisation, email__iexact=email)
                .exclude(pk=self.instance.pk)
                .first()
            )
            if duplicate is not None:
                self.add_error(
                    "email",
                    _("%(name)s est déjà enregistré(e) avec cette adresse.")
                    % {"name": duplicate.full_name},
                )
        data["email"] = email
        return data


@admin.register(Beneficiary)
class BeneficiaryAdmin(TenantAdmin):
    form = BeneficiaryAdminForm
    list_display = ["last_name", "first_name", "email", "employment_status", "consent_given_on"]
    list_filter = ["employment_status", "consent_method"]
    search_fields = ["last_name", "first_name", "email"]
    list_select_related = ["organisation"]


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Bilan)
class BilanAdmin(TenantAdmin):
    list_display = ["beneficiary", "status", "funding", "started_on", "ended_on"]
    list_filter = ["status", "funding"]
    search_fields = ["beneficiary__last_name", "beneficiary__first_name", "beneficiary__email"]
    list_select_related = ["beneficiary", "organisation"]
    filter_horizontal = ["consultants"]
    date_hierarchy = "started_on"
    fieldsets = [
        (None, {"fields": ["beneficiary", "status", "consultants"]}),
        (
            _("Financement"),
            {"fields": ["funding", "cpf_dossier_number", "cpf_registered_on"]},
        ),
        (_("Déroulement"), {"fields": ["goals", "planned_hours", "started_on", "ended_on"]}),
        (
            _("Dérogation au plafond de 24 heures"),
            {
                "fields": ["hours_override_reason", "hours_override_by"],
                "description": _(
                    "Au-delà de 24 heures d'accompagnement, les entretiens sont refusés sauf "
                    "dérogation motivée, enregistrée au nom de l'administrateur qui l'accorde."
                ),
            },
        ),
        (_("Fin"), {"fields": ["abandon_reason"]}),
    ]
    readonly_fields = ["beneficiary", "status", "ended_on", "abandon_reason", "hours_override_by"]

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            fieldsets = [(None, {"fields": ["organisation"]}), *fieldsets]
        return fieldsets

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a bilan is opened in the application (consent, consultants, phases)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # abandon it instead, with a reason

    def save_model(self, request: HttpRequest, obj: Bilan, form, change: bool) -> None:
        if "hours_override_reason" in form.changed_data:
            obj.hours_override_reason = obj.hours_override_reason.strip()
            obj.hours_override_by = request.user if obj.hours_override_reason else None
        super().save_model(request, obj, form, change)


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyMixin, TenantAdmin):
    list_display = ["bilan", "phase", "starts_at", "duration_minutes", "mode", "is_accompaniment"]
    list_filter = ["phase", "mode", "is_accompaniment"]
    list_select_related = ["bilan__beneficiary", "organisation"]
    date_hierarchy = "starts_at"
    exclude = ["notes"]  # private working notes stay with the consultant
    # Foreign keys to tenant rows are shown, never offered as choices (no scope for staff).
    readonly_fields = ["bilan", "created_by"]


@admin.register(Synthesis)
class SynthesisAdmin(ReadOnlyMixin, TenantAdmin):
    list_display = ["bilan", "version", "delivered_at", "follow_up_accepted"]
    list_filter = ["follow_up_accepted"]
    list_select_related = ["bilan__beneficiary", "organisation"]
    exclude = [*SECTION_FIELDS, "beneficiary_comment", "pdf"]
    readonly_fields = ["bilan", "delivered_by", "pdf_sha256"]


@admin.register(Action)
class ActionAdmin(TenantAdmin):
    list_display = ["title", "status", "target_date", "plan"]
    list_filter = ["status"]
    search_fields = ["title"]
    list_select_related = ["plan__bilan__beneficiary", "organisation"]
    fields = ["plan", "title", "description", "target_date", "status", "resources", "obstacles"]
    readonly_fields = ["plan"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # actions are added from the bilan page (conclusion phase)
