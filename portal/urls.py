from django.urls import path

app_name = "portal"
urlpatterns: list = [
    # The beneficiary's portal (issue 5): home, bilan, synthesis, action plan, data.
    path("", __import__("portal.views", fromlist=["home"]).home, name="home"),
]
