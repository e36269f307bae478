"""/api/v1/ routes, assembled here from each app's API (api: the token and me endpoints; bilan;
suivi), since config is the only layer that knows them all. Identifiers are UUIDs named like the
rest of the project's URLs (beneficiary_id, bilan_id, meeting_id, action_id, followup_id)."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from api.views import MeViewSet, TokenView, not_found
from bilan.api import (
    ActionViewSet,
    BeneficiaryViewSet,
    BilanViewSet,
    MeetingViewSet,
    SynthesisViewSet,
)
from suivi.api import FollowUpViewSet

router = SimpleRouter(use_regex_path=False)
router.register("beneficiaries", BeneficiaryViewSet, basename="api-beneficiary")
router.register("bilans", BilanViewSet, basename="api-bilan")
router.register("bilans/<uuid:bilan_id>/meetings", MeetingViewSet, basename="api-meeting")
router.register("bilans/<uuid:bilan_id>/actions", ActionViewSet, basename="api-action")

router.register("followups", FollowUpViewSet, basename="api-followup")

synthesis = "bilans/<uuid:bilan_id>/synthesis/"

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("me/", MeViewSet.as_view({"get": "retrieve"}), name="api-me"),
    path(
        synthesis,
        SynthesisViewSet.as_view({"get": "retrieve", "put": "update", "patch": "partial_update"}),
        name="api-synthesis",
    ),
    path(f"{synthesis}pdf/", SynthesisViewSet.as_view({"get": "pdf"}), name="api-synthesis-pdf"),
    path(
        f"{synthesis}deliver/",
        SynthesisViewSet.as_view({"post": "deliver"}),
        name="api-synthesis-deliver",
    ),
    path(
        f"{synthesis}comment/",
        SynthesisViewSet.as_view({"put": "comment"}),
        name="api-synthesis-comment",
    ),
    *router.urls,
    # Last: anything else under /api/v1/ (a malformed id, a typo) is a JSON 404.
    re_path(r"^[\s\S]*$", not_found, name="api-not-found"),
]
