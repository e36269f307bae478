"""The consultant's portfolio (Mon portefeuille): own bilans with attention flags, search and
filters, keyset pages, pinned query counts; the admin's view of every consultant's bilans."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bilan import services
from bilan.models import BilanStatus
from dashboard import portfolio
from tests.bilan import builders

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(name, args=[str(a) for a in args])


def body(response) -> str:
    return response.content.decode()


def test_dashboard_shows_own_bilans_with_attention_flags(client, side_a, colleague):
    mine = builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    cpf = builders.bilan(
        side_a,
        funding="cpf",
        cpf_dossier_number="1234",
        cpf_registered_on=timezone.localdate() - timedelta(days=1),
        started_on=timezone.localdate(),
    )
    other = builders.bilan(side_a, consultants=[colleague])
    with side_a.scope():
        services.log_meeting(
            mine,
            actor=side_a.consultant,
            phase="conclusion",
            starts_at=timezone.now() + timedelta(days=2),
            duration_minutes=60,
            mode="video",
        )
    client.force_login(side_a.consultant)
    response = client.get(url("dashboard"))
    html = body(response)
    assert mine.beneficiary.full_name in html
    assert cpf.beneficiary.full_name in html
    assert other.beneficiary.full_name not in html
    assert "Synthèse à rédiger" in html
    assert "Rétractation CPF jusqu" in html
    assert "Sous le minimum de 13" in html
    assert "2 bilans" in html
    # The admin sees every bilan of the organisation.
    client.force_login(side_a.admin)
    assert other.beneficiary.full_name in body(client.get(url("dashboard")))


def test_dashboard_search_and_filters(client, side_a):
    alice = builders.bilan(
        side_a, beneficiary=builders.beneficiary(side_a, last_name="Zidane", first_name="Alice")
    )
    bruno = builders.bilan(
        side_a,
        status=BilanStatus.INVESTIGATION,
        funding="opco",
        beneficiary=builders.beneficiary(side_a, last_name="Martin", email="bruno@exemple.fr"),
    )
    client.force_login(side_a.consultant)

    def names(**params):
        html = body(client.get(url("dashboard"), params))
        return {b.beneficiary.last_name for b in (alice, bruno) if b.beneficiary.full_name in html}

    assert names(q="zid") == {"Zidane"}
    assert names(q="bruno@exemple") == {"Martin"}
    assert names(status="investigation") == {"Martin"}
    assert names(status="open") == {"Zidane", "Martin"}
    assert names(funding="opco") == {"Martin"}
    assert names(funding="cpf") == set()
    assert "Aucun bilan ne correspond" in body(client.get(url("dashboard"), {"q": "personne"}))
    # htmx asks for the table only.
    partial = client.get(url("dashboard"), {"q": "zid"}, headers={"HX-Request": "true"})
    assert "<html" not in body(partial)
    assert "Zidane" in body(partial)
    # Nonsense filters do not break the page.
    assert client.get(url("dashboard"), {"status": "x", "apres": "!!"}).status_code == 200


def test_keyset_pages_walk_every_bilan_once(client, side_a, monkeypatch):
    monkeypatch.setattr(portfolio, "PAGE_SIZE", 3)
    bilans = [builders.bilan(side_a) for _ in range(7)]
    client.force_login(side_a.consultant)
    seen, params, pages = [], {}, 0
    while True:
        response = client.get(url("dashboard"), params)
        page = response.context["page"]
        seen += [b.pk for b in page.rows]
        pages += 1
        if not page.next_cursor:
            break
        params = {"apres": page.next_cursor}
    assert pages == 3
    assert sorted(seen) == sorted(b.pk for b in bilans)
    assert len(seen) == 7
    # And back: "Précédents" from the last page gives the middle page.
    back = client.get(url("dashboard"), {"avant": page.previous_cursor}).context["page"]
    assert [b.pk for b in back.rows] == seen[3:6]


def test_dashboard_query_count_does_not_grow_with_rows(
    client, side_a, django_assert_max_num_queries
):
    client.force_login(side_a.consultant)
    builders.bilan(side_a, status=BilanStatus.CONCLUSION)
    with django_assert_max_num_queries(12) as few:
        client.get(url("dashboard"))
    for _ in range(8):
        builders.bilan(side_a, status=BilanStatus.INVESTIGATION)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("dashboard"))
    assert len(response.context["rows"]) == 9


def test_dashboard_lists_beneficiaries_waiting_for_their_bilan(client, side_a):
    waiting = builders.beneficiary(side_a, last_name="Attente")
    client.force_login(side_a.consultant)
    html = body(client.get(url("dashboard")))
    assert "Bilans à ouvrir" in html
    assert url("bilan_create", waiting.pk) in html
    client.force_login(side_a.admin)  # the admin did not enter them
    assert "Bilans à ouvrir" not in body(client.get(url("dashboard")))


def test_admin_dashboard_names_the_consultants_with_a_pinned_query_count(
    client, side_a, colleague, django_assert_max_num_queries
):
    builders.bilan(side_a)
    client.force_login(side_a.admin)
    with django_assert_max_num_queries(14) as few:
        client.get(url("dashboard"))
    for _ in range(5):
        builders.bilan(side_a, consultants=[colleague, side_a.consultant])
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = body(client.get(url("dashboard")))
    assert colleague.get_full_name() in html
    assert side_a.consultant.get_full_name() in html


@pytest.mark.parametrize(
    "raw",
    [
        "9999-12-31|9999-12-31T23:59:59-12:00|00000000-0000-0000-0000-000000000000",
        "2026-01-01|2026-01-01T10:00:00|00000000-0000-0000-0000-000000000000",
        "n'importe quoi",
    ],
)
def test_a_forged_portfolio_cursor_shows_the_first_page(client, side_a, raw):
    import base64

    client.force_login(side_a.consultant)
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    for key in ("apres", "avant"):
        response = client.get(f"/tableau-de-bord/?{key}={cursor}")
        assert response.status_code == 200
