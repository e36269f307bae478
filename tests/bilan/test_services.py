"""The rules of the bilan, through bilan.services, on real rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import rules
from django.conf import settings
from django.utils import timezone

from bilan import pdf, services
from bilan.models import (
    Action,
    Beneficiary,
    Bilan,
    BilanEvent,
    BilanStatus,
    Meeting,
    MeetingMode,
    Synthesis,
    SynthesisRevision,
)
from bilan.services import BilanError
from tests.bilan import builders

pytestmark = pytest.mark.django_db


def meeting(bilan, side, minutes=120, phase=None, when=None, **extra):
    with side.scope():
        return services.log_meeting(
            bilan,
            actor=side.consultant,
            phase=phase or bilan.status,
            starts_at=when or timezone.now(),
            duration_minutes=minutes,
            mode=MeetingMode.VIDEO,
            **extra,
        )


def messages_of(error: BilanError) -> str:
    return " ".join(error.messages)


# --- Beneficiaries ---------------------------------------------------------------------------


def test_duplicate_email_is_refused_within_an_organisation_only(side_a, side_b):
    builders.beneficiary(side_a, email="Jeanne.Dupont@exemple.fr", last_name="Dupont")
    with side_a.scope(), pytest.raises(BilanError) as refused:
        services.create_beneficiary(
            first_name="J",
            last_name="D",
            email=" jeanne.dupont@EXEMPLE.fr ",
            employment_status="cdi",
            consent_given_on=timezone.localdate(),
            consent_method="signed",
        )
    assert "déjà enregistré(e)" in messages_of(refused.value)
    assert "email" in refused.value.message_dict
    # Another organisation may hold the same person.
    other = builders.beneficiary(side_b, email="jeanne.dupont@exemple.fr")
    assert other.organisation == side_b.organisation
    with side_a.scope():
        assert Beneficiary.objects.count() == 1


# --- Phases ----------------------------------------------------------------------------------


def test_phases_move_in_order_with_preconditions(side_a):
    bilan = builders.bilan(side_a, goals="")
    with side_a.scope():
        with pytest.raises(BilanError) as refused:
            services.advance_phase(bilan, actor=side_a.consultant)
        assert "objectifs" in messages_of(refused.value)
        bilan.goals = "Changer de métier"
        bilan.save()
        bilan = services.advance_phase(bilan, actor=side_a.consultant)
        assert bilan.status == BilanStatus.INVESTIGATION
        bilan = services.advance_phase(bilan, actor=side_a.consultant)
        assert bilan.status == BilanStatus.CONCLUSION
        assert bilan.action_plan is not None
        with pytest.raises(BilanError) as refused:
            services.advance_phase(bilan, actor=side_a.consultant)
        assert "remise de la synthèse" in messages_of(refused.value)
        with pytest.raises(BilanError):
            services.close_bilan(bilan, actor=side_a.consultant)
        kinds = list(BilanEvent.objects.filter(bilan=bilan).values_list("kind", flat=True))
    assert kinds.count("status") == 2
    assert "created" in kinds


def test_abandon_needs_a_reason_and_an_open_bilan(side_a):
    bilan = builders.bilan(side_a)
    with side_a.scope():
        with pytest.raises(BilanError) as refused:
            services.abandon_bilan(bilan, "  ", actor=side_a.consultant)
        assert "motif" in messages_of(refused.value)
        services.abandon_bilan(bilan, "Reprise d'emploi", actor=side_a.consultant)
        bilan.refresh_from_db()
        assert bilan.status == BilanStatus.ABANDONED
        assert bilan.ended_on == timezone.localdate()
        with pytest.raises(BilanError):
            services.abandon_bilan(bilan, "encore", actor=side_a.consultant)
        with pytest.raises(BilanError):
            services.advance_phase(bilan, actor=side_a.consultant)


def test_close_after_delivery(side_a):
    bilan = builders.bilan(side_a, status=BilanStatus.DELIVERED)
    with side_a.scope():
        services.close_bilan(bilan, actor=side_a.consultant)
        bilan.refresh_from_db()
        assert bilan.status == BilanStatus.CLOSED
        with pytest.raises(BilanError) as refused:
            services.advance_phase(bilan, actor=side_a.consultant)
    assert "Clos" in messages_of(refused.value)


def test_open_bilan_refuses_other_organisations_people(side_a, side_b):
    foreign = builders.beneficiary(side_b)
    own = builders.beneficiary(side_a)
    with side_a.scope():
        with pytest.raises(BilanError) as refused:
            services.open_bilan(
                foreign, [side_a.consultant], funding="personal", started_on=timezone.localdate()
            )
        assert "organisation" in messages_of(refused.value)
        with pytest.raises(BilanError) as refused:
            services.open_bilan(
                own, [side_b.consultant], funding="personal", started_on=timezone.localdate()
            )
        assert "consultants" in refused.value.message_dict
        with pytest.raises(BilanError):
            services.open_bilan(own, [], funding="personal", started_on=timezone.localdate())
        assert Bilan.objects.count() == 0


# --- Meetings and the hours ledger -----------------------------------------------------------


def test_ledger_counts_accompaniment_hours_per_phase(side_a):
    bilan = builders.bilan(side_a, status=BilanStatus.CONCLUSION)  # 3 × 2 h
    meeting(bilan, side_a, minutes=90, is_accompaniment=False)
    with side_a.scope():
        ledger = services.hours_ledger(bilan)
    assert ledger.by_phase == {
        "preliminary": Decimal("2.0"),
        "investigation": Decimal("2.0"),
        "conclusion": Decimal("2.0"),
    }
    assert ledger.total == Decimal("6.0")
    assert ledger.below_minimum  # 13 h by default
    assert any("minimale" in w for w in ledger.warnings)


def test_hours_beyond_24_are_refused_unless_an_admin_grants_an_override(side_a):
    bilan = builders.bilan(side_a)  # 2 h
    for _ in range(5):
        meeting(bilan, side_a, minutes=240)  # 22 h in all
    with side_a.scope():
        assert any("plafond" in w for w in services.hours_ledger(bilan).warnings)
    with pytest.raises(BilanError) as refused:
        meeting(bilan, side_a, minutes=150)
    assert "24 heures" in messages_of(refused.value)
    assert "duration_minutes" in refused.value.message_dict
    meeting(bilan, side_a, minutes=120)  # exactly 24 h is allowed
    with side_a.scope():
        assert services.hours_ledger(bilan).total == Decimal(24)
        assert Meeting.objects.filter(bilan=bilan).count() == 7
        # Personal work does not count.
    meeting(bilan, side_a, minutes=60, is_accompaniment=False)
    with side_a.scope():
        with pytest.raises(BilanError) as refused:
            services.grant_hours_override(bilan, "Situation de handicap", actor=side_a.consultant)
        assert "administrateur" in messages_of(refused.value)
        with pytest.raises(BilanError):
            services.grant_hours_override(bilan, " ", actor=side_a.admin)
        services.grant_hours_override(bilan, "Situation de handicap", actor=side_a.admin)
        bilan.refresh_from_db()
        assert bilan.hours_override_by == side_a.admin
    meeting(bilan, side_a, minutes=60)
    with side_a.scope():
        assert services.hours_ledger(bilan).total == Decimal(25)


def test_update_meeting_checks_the_ceiling_without_counting_itself(side_a):
    bilan = builders.bilan(side_a)
    big = meeting(bilan, side_a, minutes=480)
    meeting(bilan, side_a, minutes=480)  # 18 h
    with side_a.scope():
        services.update_meeting(big, duration_minutes=470)
        with pytest.raises(BilanError):
            services.update_meeting(big, duration_minutes=480 + 360)  # model bound too
        with pytest.raises(BilanError):
            meeting(bilan, side_a, minutes=400)
        assert Meeting.objects.get(pk=big.pk).duration_minutes == 470


def test_meeting_before_the_bilan_or_in_a_later_phase_is_refused(side_a):
    bilan = builders.bilan(side_a)
    before = timezone.now() - timedelta(days=400)
    with pytest.raises(BilanError) as refused:
        meeting(bilan, side_a, when=before)
    assert "précéder le début du bilan" in messages_of(refused.value)
    assert "starts_at" in refused.value.message_dict
    with pytest.raises(BilanError) as refused:
        meeting(bilan, side_a, phase="conclusion")
    assert "pas encore atteint" in messages_of(refused.value)
    with side_a.scope():
        assert Meeting.objects.filter(bilan=bilan).count() == 1


def test_no_meeting_once_the_bilan_is_over(side_a):
    bilan = builders.bilan(side_a, status=BilanStatus.DELIVERED)
    with pytest.raises(BilanError) as refused:
        meeting(bilan, side_a, phase="conclusion")
    assert "plus en cours" in messages_of(refused.value)
    with side_a.scope():
        first = Meeting.objects.filter(bilan=bilan).first()
        with pytest.raises(BilanError):
            services.delete_meeting(first)
        assert Meeting.objects.filter(pk=first.pk).exists()


def test_update_bilan_keeps_the_start_before_the_first_meeting(side_a):
    bilan = builders.bilan(side_a)
    with side_a.scope():
        with pytest.raises(BilanError) as refused:
            services.update_bilan(bilan, started_on=timezone.localdate() + timedelta(days=1))
        assert "started_on" in refused.value.message_dict
        services.update_bilan(bilan, planned_hours=Decimal(20), goals="Un\nDeux")
        bilan.refresh_from_db()
        assert bilan.planned_hours == Decimal(20)


# --- The synthesis ---------------------------------------------------------------------------


def test_drafts_are_versioned_and_only_in_investigation_or_conclusion(side_a):
    bilan = builders.bilan(side_a)
    with side_a.scope():
        with pytest.raises(BilanError):
            services.save_synthesis_draft(bilan, {"project": "x"}, actor=side_a.consultant)
        bilan = services.advance_phase(bilan, actor=side_a.consultant)
        s = services.save_synthesis_draft(bilan, {"project": "Projet A"}, actor=side_a.consultant)
        assert s.version == 1
        s = services.save_synthesis_draft(bilan, {"project": "Projet A"}, actor=side_a.consultant)
        assert s.version == 1  # nothing changed, no new version
        s = services.save_synthesis_draft(bilan, {"project": "Projet B"}, actor=side_a.consultant)
        assert s.version == 2
        versions = list(SynthesisRevision.objects.filter(synthesis=s).order_by("version"))
        assert [r.content["project"] for r in versions] == ["Projet A", "Projet B"]


def _ready_to_deliver(side):
    bilan = builders.bilan(side, status=BilanStatus.CONCLUSION)
    with side.scope():
        services.save_synthesis_draft(bilan, builders.SECTIONS, actor=side.consultant)
    return bilan


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_delivery_freezes_stores_the_pdf_and_happens_once(side_a):
    bilan = _ready_to_deliver(side_a)
    with side_a.scope():
        s = services.deliver_synthesis(bilan, actor=side_a.consultant, follow_up_accepted=True)
        bilan.refresh_from_db()
        assert bilan.status == BilanStatus.DELIVERED
        assert bilan.ended_on == timezone.localdate()
        assert s.delivered_at
        assert s.delivered_by == side_a.consultant
        assert s.follow_up_accepted
        data = s.pdf.read()
        assert data.startswith(b"%PDF")
        import hashlib

        assert hashlib.sha256(data).hexdigest() == s.pdf_sha256
        with pytest.raises(BilanError) as refused:
            services.deliver_synthesis(bilan, actor=side_a.consultant, follow_up_accepted=False)
        assert "déjà été remise" in messages_of(refused.value)
        with pytest.raises(BilanError) as refused:
            services.save_synthesis_draft(bilan, {"project": "autre"}, actor=side_a.consultant)
        assert "ne peut plus être modifiée" in messages_of(refused.value)
        s.refresh_from_db()
        assert s.follow_up_accepted is True
        assert s.project == builders.SECTIONS["project"]
    assert len(_media_files()) == 1


def test_delivery_refused_before_conclusion_or_with_empty_sections(side_a):
    bilan = builders.bilan(side_a, status=BilanStatus.INVESTIGATION)
    with side_a.scope():
        services.save_synthesis_draft(bilan, builders.SECTIONS, actor=side_a.consultant)
        with pytest.raises(BilanError) as refused:
            services.deliver_synthesis(bilan, actor=side_a.consultant, follow_up_accepted=True)
        assert "phase de conclusion" in messages_of(refused.value)
        bilan = services.advance_phase(bilan, actor=side_a.consultant)
        services.save_synthesis_draft(bilan, {"project": ""}, actor=side_a.consultant)
        with pytest.raises(BilanError) as refused:
            services.deliver_synthesis(bilan, actor=side_a.consultant, follow_up_accepted=True)
        assert "Complétez" in messages_of(refused.value)
        assert not Synthesis.objects.get(bilan=bilan).is_delivered


@pytest.mark.parametrize("where", ["pdf", "suivi"])
def test_a_failure_during_delivery_leaves_nothing_half_done(side_a, monkeypatch, where):
    bilan = _ready_to_deliver(side_a)

    def boom(*args, **kwargs):
        raise RuntimeError("panne simulée")

    if where == "pdf":
        monkeypatch.setattr(pdf, "render_synthesis_pdf", boom)
    else:
        from suivi import services as suivi_services

        monkeypatch.setattr(suivi_services, "on_synthesis_delivered", boom)
    with side_a.scope():
        events_before = BilanEvent.objects.filter(bilan=bilan).count()
        with pytest.raises(RuntimeError):
            services.deliver_synthesis(bilan, actor=side_a.consultant, follow_up_accepted=True)
        bilan.refresh_from_db()
        s = Synthesis.objects.get(bilan=bilan)
        assert bilan.status == BilanStatus.CONCLUSION
        assert bilan.ended_on is None
        assert s.delivered_at is None
        assert not s.pdf
        assert not s.pdf_sha256
        assert BilanEvent.objects.filter(bilan=bilan).count() == events_before
    assert _media_files() == []
    # And it can be delivered once the fault is gone.
    monkeypatch.undo()
    with side_a.scope():
        services.deliver_synthesis(bilan, actor=side_a.consultant, follow_up_accepted=False)
    assert len(_media_files()) == 1


def test_who_reads_a_synthesis(side_a, side_b, colleague):
    bilan = builders.bilan(side_a)
    with side_a.scope():
        assert rules.test_rule("bilan.read_synthesis", side_a.consultant, bilan)
        assert not rules.test_rule("bilan.read_synthesis", colleague, bilan)
        assert not rules.test_rule("bilan.read_synthesis", side_a.admin, bilan)
        side_a.organisation.admins_read_syntheses = True
        side_a.organisation.save()
        bilan.refresh_from_db()
        assert rules.test_rule("bilan.read_synthesis", side_a.admin, bilan)
        assert not rules.test_rule("bilan.read_synthesis", side_b.admin, bilan)


# --- The action plan -------------------------------------------------------------------------


def test_actions_are_added_in_conclusion_and_kept_after_delivery(side_a):
    bilan = builders.bilan(side_a, status=BilanStatus.INVESTIGATION)
    with side_a.scope():
        with pytest.raises(BilanError) as refused:
            services.add_action(bilan, actor=side_a.consultant, title="Trop tôt")
        assert "conclusion" in messages_of(refused.value)
        bilan = services.advance_phase(bilan, actor=side_a.consultant)
        first = services.add_action(
            bilan,
            actor=side_a.consultant,
            title="S'inscrire à la formation",
            target_date=timezone.localdate() + timedelta(days=30),
            resources="AFPA de Lyon",
            obstacles="Garde des enfants",
        )
        second = services.add_action(bilan, actor=side_a.consultant, title="Rencontrer un pro")
        assert (first.position, second.position) == (0, 1)
        services.update_action(first, actor=side_a.consultant, status="in_progress")
        assert Action.objects.get(pk=first.pk).status == "in_progress"
        assert BilanEvent.objects.filter(bilan=bilan, kind="action").count() == 3
        with pytest.raises(BilanError):
            services.update_action(first, actor=side_a.consultant, title="")


# --- Working days ----------------------------------------------------------------------------


def test_cpf_withdrawal_period_counts_french_working_days(side_a):
    from datetime import date

    bilan = builders.bilan(
        side_a,
        funding="cpf",
        cpf_dossier_number="123456789",
        cpf_registered_on=date(2026, 4, 30),  # 1 May, 8 May and Ascension (14 May) are holidays
        started_on=date(2026, 5, 1),
    )
    assert services.cpf_withdrawal_ends_on(bilan) == date(2026, 5, 20)


def test_duplicate_email_names_the_person_only_to_who_may_see_them(side_a):
    from datetime import date

    from bilan import services
    from bilan.services import BilanError

    fields = {
        "first_name": "Odile",
        "last_name": "Secrète",
        "email": "odile@example.test",
        "employment_status": "cdi",
        "consent_given_on": date(2026, 1, 5),
        "consent_method": "signed",
    }
    with side_a.scope():
        services.create_beneficiary(actor=side_a.admin, **fields)
        with pytest.raises(BilanError) as as_admin:
            services.create_beneficiary(actor=side_a.admin, **fields)
        with pytest.raises(BilanError) as as_consultant:
            services.create_beneficiary(actor=side_a.consultant, **fields)
    assert "Odile Secrète" in as_admin.value.message_dict["email"][0]
    assert "Odile" not in as_consultant.value.message_dict["email"][0]
    assert "déjà enregistrée" in as_consultant.value.message_dict["email"][0]


def test_only_the_bilans_consultants_write_and_deliver_the_synthesis(side_a):
    from bilan import services
    from bilan.services import BilanError
    from tests.bilan.makers import _bilan

    bilan = _bilan(side_a, {})
    side_a.organisation.admins_read_syntheses = True
    side_a.organisation.save()
    with side_a.scope():
        assert rules.test_rule("bilan.read_synthesis", side_a.admin, bilan)
        assert not rules.test_rule("bilan.write_synthesis", side_a.admin, bilan)
        with pytest.raises(BilanError):
            services.save_synthesis_draft(bilan, {"project": "Texte"}, actor=side_a.admin)
        with pytest.raises(BilanError):
            services.deliver_synthesis(bilan, actor=side_a.admin, follow_up_accepted=True)
