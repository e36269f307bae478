"""The action plan: built in the conclusion phase, then followed by the beneficiary."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from bilan.models import Action, ActionPlan, Bilan, BilanStatus, EventKind
from bilan.services.common import BilanError, clean_or_refuse, record_event


def get_action_plan(bilan: Bilan) -> ActionPlan:
    plan, _created = ActionPlan.objects.get_or_create(organisation=bilan.organisation, bilan=bilan)
    return plan


def add_action(bilan: Bilan, *, actor: User, by_beneficiary: bool = False, **fields) -> Action:
    if bilan.status not in (BilanStatus.CONCLUSION, BilanStatus.DELIVERED, BilanStatus.CLOSED):
        raise BilanError(_("Le plan d'action se construit en phase de conclusion."))
    plan = get_action_plan(bilan)
    position = Action.objects.filter(plan=plan).count()
    action = Action(
        organisation=bilan.organisation,
        plan=plan,
        position=position,
        added_by_beneficiary=by_beneficiary,
        **fields,
    )
    clean_or_refuse(action, ["organisation", "plan"])
    action.save()
    record_event(bilan, EventKind.ACTION, _("Action ajoutée : %(t)s") % {"t": action.title}, actor)
    return action


def update_action(action: Action, *, actor: User, **fields) -> Action:
    old_status = action.status
    for name, value in fields.items():
        setattr(action, name, value)
    clean_or_refuse(action, ["organisation", "plan"])
    action.save()
    if action.status != old_status:
        record_event(
            action.plan.bilan,
            EventKind.ACTION,
            _("« %(t)s » : %(s)s.") % {"t": action.title, "s": action.get_status_display().lower()},
            actor,
        )
    return action
