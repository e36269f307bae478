"""REST API v1 for the bilan: beneficiaries, bilans, meetings, the synthesis and the action plan.

- access.py: the base of the viewsets under a bilan (who sees what: bilan/rules.py)
- serializers.py, filters.py: the shape of the data and the lists' query parameters
- viewsets.py: thin viewsets over bilan.services
- schema.py: the OpenAPI documentation (examples, summaries, descriptions)

The URL list that routes to these viewsets is assembled in config/api_urls.py.
"""

from bilan.api.viewsets import (
    ActionViewSet,
    BeneficiaryViewSet,
    BilanViewSet,
    MeetingViewSet,
    SynthesisViewSet,
)

__all__ = [
    "ActionViewSet",
    "BeneficiaryViewSet",
    "BilanViewSet",
    "MeetingViewSet",
    "SynthesisViewSet",
]
