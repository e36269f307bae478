"""The account page where a person manages their API tokens (HTML)."""

from django.urls import path

from api import views

urlpatterns = [
    path("", views.token_list, name="api_tokens"),
    path("<uuid:token_id>/revoquer/", views.token_revoke, name="api_token_revoke"),
]
