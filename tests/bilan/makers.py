"""Isolation-walk makers for this app's URL identifiers (see tests/isolation.py)."""

from __future__ import annotations

from accounts.models import Role
from bilan import services
from bilan.models import BilanStatus, Meeting, MeetingMode
from tests.bilan import builders
from tests.factories import MembershipFactory, UserFactory
from tests.isolation import SAME_SIDE_OUTSIDERS, maker


def _bilan(side, context: dict):
    if "bilan" not in context:
        name = f"Isolé{len(context.get('markers', []))}Marqueur"
        person = builders.beneficiary(side, last_name=name)
        context.setdefault("markers", []).append(name)
        context["beneficiary"] = person
        context["bilan"] = builders.bilan(side, status=BilanStatus.CONCLUSION, beneficiary=person)
    return context["bilan"]


@maker("bilan_id")
def make_bilan(side, context: dict) -> str:
    return str(_bilan(side, context).pk)


@maker("beneficiary_id")
def make_beneficiary(side, context: dict) -> str:
    if "beneficiary" not in context:
        _bilan(side, context)
    return str(context["beneficiary"].pk)


@maker("meeting_id")
def make_meeting(side, context: dict) -> str:
    bilan = _bilan(side, context)
    with side.scope():
        meeting = Meeting.objects.filter(bilan=bilan).first()
        if meeting is None:
            meeting = services.log_meeting(
                bilan,
                actor=side.consultant,
                phase="conclusion",
                starts_at=builders.paris(2030, 1, 7),
                duration_minutes=60,
                mode=MeetingMode.VIDEO,
            )
    return str(meeting.pk)


@maker("action_id")
def make_action(side, context: dict) -> str:
    bilan = _bilan(side, context)
    with side.scope():
        action = services.add_action(
            bilan, actor=side.consultant, title="ActionMarqueurIsolement", status="todo"
        )
    context.setdefault("markers", []).append("ActionMarqueurIsolement")
    return str(action.pk)


# --- Makers for the admin walk (registered in tests/admin_makers.py) -------------------------


def admin_beneficiary(side):
    return builders.beneficiary(side)


def admin_bilan(side):
    return builders.bilan(side, status=BilanStatus.CONCLUSION)


def admin_meeting(side):
    bilan = builders.bilan(side)
    with side.scope():
        return Meeting.objects.filter(bilan=bilan).first()


def admin_synthesis(side):
    bilan = builders.bilan(side, status=BilanStatus.CONCLUSION)
    with side.scope():
        return services.save_synthesis_draft(bilan, builders.SECTIONS, actor=side.consultant)


def admin_action(side):
    bilan = builders.bilan(side, status=BilanStatus.CONCLUSION)
    with side.scope():
        return services.add_action(bilan, actor=side.consultant, title="Action de l'admin")


# --- The same organisation's outsider (tests/test_tenant_isolation.py) -----------------------


def make_unassigned_consultant(side):
    """A consultant of the owning organisation, assigned to none of the makers' bilans."""
    user = UserFactory(email=f"non-affecte@{side.organisation.slug}.test")
    MembershipFactory(organisation=side.organisation, user=user, role=Role.CONSULTANT)
    return user


SAME_SIDE_OUTSIDERS["unassigned consultant"] = make_unassigned_consultant
