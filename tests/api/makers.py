"""Isolation-walk makers for the URL keywords only the API introduces (see tests/isolation.py).

bilan_id, beneficiary_id, meeting_id, action_id come from tests/bilan/makers.py and
followup_id from tests/suivi/makers.py; the API reuses those names on purpose.
"""

from __future__ import annotations

from api.services import create_token
from tests.isolation import maker


@maker("token_id")
def make_api_token(side, context: dict) -> str:
    """An API token of organisation A's consultant (the account page's revoke button)."""
    name = "JetonMarqueurIsolement"
    token, _raw = create_token(side.consultant, name=name)
    context.setdefault("markers", []).append(name)
    return str(token.pk)
