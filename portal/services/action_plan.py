"""The beneficiary's side of the action plan (the bilan services write the timeline)."""

from __future__ import annotations

import rules
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from bilan import services as bilan_services
from bilan.models import Action, ActionStatus, Bilan, BilanStatus, EventKind
from portal.services.errors import PortalError

ACTION_PLAN_STATUSES = (BilanStatus.CONCLUSION, BilanStatus.DELIVERED, BilanStatus.CLOSED)


def action_plan_open(bilan: Bilan) -> bool:
    return bilan.status in ACTION_PLAN_STATUSES


def add_own_action(bilan: Bilan, *, actor: User, **fields) -> Action:
    if not rules.test_rule("bilan.act_as_its_beneficiary", actor, bilan):
        raise PermissionDenied(_("Ce bilan n'est pas le vôtre."))
    return bilan_services.add_action(bilan, actor=actor, by_beneficiary=True, **fields)


BENEFICIARY_ACTION_FIELDS = {"status", "notes"}
OWN_ACTION_FIELDS = BENEFICIARY_ACTION_FIELDS | {"title", "description", "target_date"}


def update_own_action(action: Action, *, actor: User, **fields) -> Action:
    """The beneficiary marks progress and keeps notes; on the actions they added themselves
    they may also change the title, description and due date."""
    bilan = action.plan.bilan
    if not rules.test_rule("bilan.act_as_its_beneficiary", actor, bilan):
        raise PermissionDenied(_("Cette action n'est pas la vôtre."))
    allowed = OWN_ACTION_FIELDS if action.added_by_beneficiary else BENEFICIARY_ACTION_FIELDS
    unknown = set(fields) - allowed
    if unknown:
        raise PermissionDenied(_("Vous ne pouvez pas modifier ces informations."))
    if "status" in fields and fields["status"] not in ActionStatus.values:
        raise PortalError({"status": _("Choisissez un état proposé.")})
    notes_changed = "notes" in fields and fields["notes"].strip() != action.notes
    if "notes" in fields:
        fields["notes"] = fields["notes"].strip()
    with transaction.atomic():
        action = bilan_services.update_action(action, actor=actor, **fields)
        if notes_changed:
            bilan_services.record_event(
                bilan,
                EventKind.ACTION,
                _("Notes du bénéficiaire mises à jour sur « %(t)s ».") % {"t": action.title},
                actor,
            )
    return action
