"""The follow-up's state changes only through its transition table (FOLLOW_UP_TRANSITIONS)."""

from __future__ import annotations

import pytest

from suivi.models import FOLLOW_UP_TRANSITIONS, FollowUp, FollowUpState, IllegalStateChange
from tests.suivi.helpers import delivered_bilan, follow_up_of

ALLOWED = [(a, b) for a, targets in FOLLOW_UP_TRANSITIONS.items() for b in sorted(targets)]
REFUSED = [
    (a, b)
    for a in FollowUpState.values
    for b in FollowUpState.values
    if b not in FOLLOW_UP_TRANSITIONS[a]
]


def _in_state(side, state: str) -> FollowUp:
    """A follow-up stored in `state` (set in the database, as a fixture)."""
    bilan, _ = delivered_bilan(side)
    with side.scope():
        FollowUp.objects.filter(bilan=bilan).update(state=state)
    return follow_up_of(side, bilan)


def test_the_table_names_every_state():
    assert set(FOLLOW_UP_TRANSITIONS) == set(FollowUpState.values)
    for targets in FOLLOW_UP_TRANSITIONS.values():
        assert targets <= set(FollowUpState.values)
    assert not FOLLOW_UP_TRANSITIONS[FollowUpState.DECLINED]
    assert not FOLLOW_UP_TRANSITIONS[FollowUpState.CANCELLED]


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_each_allowed_move_is_made_and_saved(side_a, source, target):
    fu = _in_state(side_a, source)
    with side_a.scope():
        fu.transition_to(target)
        fu.save()
        fu.refresh_from_db()
    assert fu.state == target


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_an_illegal_move_is_refused_and_changes_nothing(side_a, source, target):
    fu = _in_state(side_a, source)
    with side_a.scope(), pytest.raises(IllegalStateChange, match=f"from '{source}' to '{target}'"):
        fu.transition_to(target)
    assert fu.state == source
    with side_a.scope():
        fu.save()  # nothing moved: saving is fine
        fu.refresh_from_db()
    assert fu.state == source


def test_a_state_set_by_hand_is_not_saved(side_a):
    fu = _in_state(side_a, FollowUpState.SCHEDULED)
    fu.state = FollowUpState.INVITED  # even a move the table allows
    with side_a.scope(), pytest.raises(IllegalStateChange, match="without transition_to"):
        fu.save()
    with side_a.scope():
        fu.refresh_from_db()
    assert fu.state == FollowUpState.SCHEDULED


def test_moves_chain_from_the_state_in_memory_and_a_reload_starts_afresh(side_a):
    fu = _in_state(side_a, FollowUpState.SCHEDULED)
    with side_a.scope():
        fu.transition_to(FollowUpState.INVITED)
        fu.transition_to(FollowUpState.BOOKED)
        fu.save(update_fields=["state", "updated_at"])
        fu.state = FollowUpState.HELD
        fu.refresh_from_db()  # the hand-set state is dropped with the reload
        fu.save()
        assert FollowUp.objects.get(pk=fu.pk).state == FollowUpState.BOOKED
