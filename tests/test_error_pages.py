"""Error pages speak French and keep the layout (the 500 page stands alone: no database)."""

from django.test import Client


def test_unknown_page_is_a_french_404(client: Client, side_a, settings):
    settings.DEBUG = False
    client.force_login(side_a.consultant)
    response = client.get("/bilans/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page introuvable" in body
    assert side_a.organisation.name in body  # the normal layout, with the header


def test_server_error_page_needs_no_context(client: Client):
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Une erreur est survenue" in html
    assert 'lang="fr"' in html
