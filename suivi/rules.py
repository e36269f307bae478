"""Who sees and acts on a follow-up (the "who may do what" table in docs/architecture.md).

`visible_follow_ups(user)` is the one queryset for lists and lookups; the named rules are asked
with `rules.test_rule(name, user, obj)`:

- an organisation admin sees every follow-up of the organisation and may act on it as its
  consultants do (invite now, move, cancel, note a refusal, record the interview);
- a consultant sees and acts on the follow-ups they lead or whose bilan is theirs, and deletes
  only their own slots;
- a beneficiary sees their own follow-ups and answers them (book, reschedule, decline,
  check-in, questionnaire); so does a visitor holding an emailed link's grant, which is the
  link pages' business (suivi.services.beneficiary_may_access), not a person's rule.

The role comes from the organisation scope, as in bilan/rules.py.
"""

from __future__ import annotations

import rules
from django.db.models import Q, QuerySet

from accounts.rules import is_member, is_organisation_admin, membership_in_scope
from bilan.rules import beneficiary_in_scope
from suivi.models import FollowUp, Slot


def visible_follow_ups(user) -> QuerySet[FollowUp]:
    """The follow-ups a person may see: all of the organisation for an admin, those they lead
    or whose bilan is theirs for a consultant, their own for a beneficiary."""
    membership = membership_in_scope(user)
    if membership is not None:
        if membership.is_admin:
            return FollowUp.objects.all()
        return FollowUp.objects.filter(Q(consultant=user) | Q(bilan__consultants=user)).distinct()
    beneficiary = beneficiary_in_scope(user)
    if beneficiary is not None:
        return FollowUp.objects.filter(bilan__beneficiary=beneficiary)
    return FollowUp.objects.none()


@rules.predicate
def is_follow_up_consultant(user, follow_up: FollowUp) -> bool:
    """The consultant who leads it or one of its bilan's, acting as a member."""
    if not is_member(user):
        return False
    return (
        follow_up.consultant_id == user.pk
        or follow_up.bilan.consultants.filter(pk=user.pk).exists()
    )


@rules.predicate
def is_own_follow_up(user, follow_up: FollowUp) -> bool:
    beneficiary = beneficiary_in_scope(user)
    return beneficiary is not None and follow_up.bilan.beneficiary_id == beneficiary.pk


@rules.predicate
def is_own_slot(user, slot: Slot) -> bool:
    return is_member(user) and slot.consultant_id == user.pk


may_act_on_follow_up = is_organisation_admin | is_follow_up_consultant

rules.add_rule("suivi.see_follow_up", may_act_on_follow_up | is_own_follow_up)
# Invite now, move, cancel, note the beneficiary's refusal, record the interview.
rules.add_rule("suivi.act_on_follow_up", may_act_on_follow_up)
# Book, reschedule, cancel the booking, decline, check in, answer the questionnaire.
rules.add_rule("suivi.answer_follow_up", is_own_follow_up)
rules.add_rule("suivi.delete_slot", is_own_slot)
