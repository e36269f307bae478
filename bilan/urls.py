from django.urls import path

from bilan import views

urlpatterns = [
    path("tableau-de-bord/", views.dashboard, name="dashboard"),
]
