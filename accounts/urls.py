from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("organisation/changer/", views.switch_organisation, name="switch_organisation"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
