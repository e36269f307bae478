"""The suivi rows in the admin: read-only, metadata only.

Follow-ups, messages, bookings, check-ins, interviews and surveys change only through
suivi.services (the pages and the tick): an admin form would skip their rules (reviving a declined
follow-up, sending a beneficiary's single-use link to another address...). Platform staff have no
access to the content of a follow-up (docs/architecture.md, "Who may do what"): the free-text
and answer fields are not shown.
Slots stay editable (a consultant's availability, no beneficiary data).
"""

from django.contrib import admin

from accounts.admin import ReadOnlyTenantAdmin, TenantAdmin
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
class FollowUpAdmin(ReadOnlyTenantAdmin):
    list_display = ("bilan", "kind", "consultant", "state", "due_on", "invite_on")
    list_filter = ("state", "kind")
    date_hierarchy = "due_on"
    # What the beneficiary or the consultant wrote stays out of the admin.
    exclude = ("move_reason", "cancel_reason", "another_time_request")
    readonly_fields = (
        "bilan",
        "consultant",
        "invited_at",
        "answered_at",
        "declined_at",
        "held_at",
        "ics_sequence",
    )


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyTenantAdmin):
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
class BookingAdmin(ReadOnlyTenantAdmin):
    list_display = ("follow_up", "starts_at", "mode", "cancelled_at")
    exclude = ("cancel_reason",)
    readonly_fields = ("follow_up", "slot")


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyTenantAdmin):
    list_display = ("follow_up", "submitted_at")
    exclude = ("actions", "went_well", "obstacles", "help_needed")
    readonly_fields = ("follow_up", "submitted_at")


@admin.register(FollowUpInterview)
class FollowUpInterviewAdmin(ReadOnlyTenantAdmin):
    list_display = ("follow_up", "held_on", "outcome")
    list_filter = ("outcome",)
    exclude = (
        "action_progress",
        "results_vs_goals",
        "obstacles",
        "levers",
        "adjustment",
        "next_steps",
    )
    readonly_fields = ("follow_up", "recorded_by")


@admin.register(Survey)
class SurveyAdmin(ReadOnlyTenantAdmin):
    list_display = ("follow_up", "created_at")
    readonly_fields = ("follow_up", "created_at")


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyTenantAdmin):
    list_display = ("survey", "satisfaction", "usefulness", "project_status", "submitted_at")
    exclude = ("comment",)
    readonly_fields = ("survey", "submitted_at")
