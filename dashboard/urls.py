from django.urls import path

from dashboard import views

urlpatterns = [
    path("tableau-de-bord/", views.portfolio_page, name="dashboard"),
    path("suivi/", views.followups_overview, name="followups_overview"),
]
