"""Django admin for the portal: data requests are handled here (with a status and a response);
invitations and shares are visible, read-only, for support."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin import ReadOnlyTenantAdmin, TenantAdmin, is_platform_staff
from portal import services
from portal.models import DataRequest, DataRequestStatus, PortalInvitation, SynthesisShare


class SupportAdmin(ReadOnlyTenantAdmin):
    """Shown for support, changed only by the portal's own flows (every field read-only, so
    no foreign-key choice list is ever built)."""

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.get_fields(request, obj)

    def get_fields(self, request: HttpRequest, obj=None):
        return [f for f in self.fields if f != "organisation" or is_platform_staff(request)]


class DataRequestForm(forms.ModelForm):
    class Meta:
        model = DataRequest
        fields = ["status", "response"]

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") == DataRequestStatus.REFUSED
            and not (cleaned.get("response") or "").strip()
        ):
            self.add_error("response", _("Indiquez au bénéficiaire le motif du refus."))
        return cleaned


@admin.register(DataRequest)
class DataRequestAdmin(TenantAdmin):
    form = DataRequestForm
    list_display = ["beneficiary", "kind", "status", "created_at", "handled_at"]
    list_filter = ["status", "kind"]
    search_fields = ["beneficiary__first_name", "beneficiary__last_name", "beneficiary__email"]
    list_select_related = ["beneficiary", "organisation"]
    date_hierarchy = "created_at"
    fields = [
        "beneficiary",
        "kind",
        "details",
        "created_at",
        "status",
        "response",
        "handled_at",
        "handled_by",
    ]
    readonly_fields = [
        "beneficiary",
        "kind",
        "details",
        "created_at",
        "handled_at",
        "handled_by",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requests come from the beneficiaries themselves

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the record of a request and its answer is kept

    def save_model(self, request: HttpRequest, obj: DataRequest, form, change: bool) -> None:
        previous = DataRequest.objects.unscoped().get(pk=obj.pk)
        status, response = obj.status, obj.response
        obj.status = previous.status  # the service decides what the change means
        services.handle_data_request(obj, status=status, response=response, actor=request.user)


@admin.register(PortalInvitation)
class PortalInvitationAdmin(SupportAdmin):
    list_display = ["email", "beneficiary", "created_at", "expires_at", "used_at", "invited_by"]
    search_fields = ["email"]
    list_select_related = ["beneficiary", "invited_by", "organisation"]
    fields = [
        "organisation",
        "beneficiary",
        "email",
        "invited_by",
        "created_at",
        "expires_at",
        "used_at",
    ]


@admin.register(SynthesisShare)
class SynthesisShareAdmin(SupportAdmin):
    list_display = [
        "recipient_name",
        "recipient_email",
        "purpose",
        "created_at",
        "expires_at",
        "revoked_at",
        "opened_count",
    ]
    list_filter = ["purpose"]
    list_select_related = ["organisation"]
    fields = [
        "organisation",
        "synthesis",
        "recipient_name",
        "recipient_email",
        "purpose",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "opened_count",
        "last_opened_at",
    ]
