"""REST API v1 for the suivi post-bilan: follow-ups and the follow-up interview.

serializers (what goes in and out), viewsets (thin: who may see what comes from suivi.services
and every change is a suivi.services call), schema (the OpenAPI documentation and examples).
"""

from suivi.api.viewsets import FollowUpViewSet

__all__ = ["FollowUpViewSet"]
