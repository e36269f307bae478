from django.contrib import admin

from accounts.admin import TenantAdmin
from suivi.models import (
    Booking,
    CheckIn,
    FollowUp,
    FollowUpInterview,
    Invitation,
    Slot,
    Survey,
    SurveyResponse,
)


@admin.register(FollowUp)
class FollowUpAdmin(TenantAdmin):
    allow_add = False  # created by suivi.services
    list_display = ("bilan", "kind", "consultant", "state", "due_on", "invite_on")
    list_filter = ("state", "kind")
    date_hierarchy = "due_on"
    readonly_fields = (
        "bilan",
        "invited_at",
        "answered_at",
        "declined_at",
        "held_at",
        "ics_sequence",
    )


@admin.register(Invitation)
class InvitationAdmin(TenantAdmin):
    allow_add = False  # created by suivi.services
    list_display = ("follow_up", "kind", "to_email", "state", "attempts", "sent_at")
    list_filter = ("state", "kind")
    readonly_fields = (
        "follow_up",
        "booking",
        "message_id",
        "claimed_at",
        "sent_at",
        "attempts",
        "last_error",
    )


@admin.register(Slot)
class SlotAdmin(TenantAdmin):
    list_display = ("starts_at", "consultant", "duration_minutes", "location")


@admin.register(Booking)
class BookingAdmin(TenantAdmin):
    allow_add = False  # created by suivi.services
    list_display = ("follow_up", "starts_at", "mode", "cancelled_at")
    readonly_fields = ("follow_up", "slot")


@admin.register(CheckIn)
class CheckInAdmin(TenantAdmin):
    allow_add = False  # created by suivi.services
    list_display = ("follow_up", "submitted_at")
    readonly_fields = ("follow_up",)


@admin.register(FollowUpInterview)
class FollowUpInterviewAdmin(TenantAdmin):
    allow_add = False  # created by suivi.services
    list_display = ("follow_up", "held_on", "outcome")
    list_filter = ("outcome",)
    readonly_fields = ("follow_up", "recorded_by")


@admin.register(Survey)
class SurveyAdmin(TenantAdmin):
    allow_add = False  # created by suivi.services
    list_display = ("follow_up", "created_at")
    readonly_fields = ("follow_up",)


@admin.register(SurveyResponse)
class SurveyResponseAdmin(TenantAdmin):
    allow_add = False  # created by suivi.services
    list_display = ("survey", "satisfaction", "usefulness", "project_status", "submitted_at")
    readonly_fields = ("survey",)
