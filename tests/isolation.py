"""What the isolation walk needs to try every URL: how to make an object for each identifier.

Every URL keyword that names an object must have a maker here. A maker receives the owning
side (organisation A), and a dict shared by the other makers of the same URL (so that a
meeting is made inside the bilan named by the same URL), and returns the value for the URL.
Add a maker when you add a URL keyword: the walk fails on a keyword it cannot fill.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Maker = Callable[[Any, dict], str]

OBJECT_MAKERS: dict[str, Maker] = {}

# URL keywords that are not object identifiers, with the reason the walk may skip them.
NOT_OBJECT_KEYWORDS: dict[str, str] = {
    "token": "a single-use secret, not an object id; tested by the flows that issue it",
    "key": "allauth's signed keys (password reset, email confirmation); tested with allauth flows",
    "uidb36": "allauth password reset; tested with allauth flows",
    "path": "static and media file serving",
    "object_id": "Django admin: walked model by model in tests/accounts/test_admin_scoping.py",
    "app_label": "Django admin: walked model by model in tests/accounts/test_admin_scoping.py",
    "content_type_id": "Django admin's view-on-site redirect",
    "format": "DRF format suffix",
    "lang": "i18n",
    "type": "allauth MFA authenticator type",
}

# URL prefixes the walk leaves to their own tests.
SKIPPED_PREFIXES: dict[str, str] = {
    "admin/": "walked model by model in tests/accounts/test_admin_scoping.py",
    "accounts/": "allauth's own pages carry no organisation data",
    "i18n/": "language switch",
    "static/": "files",
    "media/": "files",
}

# Extra people of the other organisation (beneficiaries, ...) that later apps register:
# name -> function(side) -> User.
OTHER_SIDE_USERS: dict[str, Callable[[Any], Any]] = {}

# People of the owning organisation who have no part in the rows the makers create (a
# consultant not assigned to the bilan, another beneficiary): name -> function(side) -> User.
# They get what another organisation gets (404, nothing changes, nothing shown) except where
# the policy lets them in: SAME_ORGANISATION_ALLOWED.
SAME_SIDE_OUTSIDERS: dict[str, Callable[[Any], Any]] = {}

# (URL name, outsider) -> why that outsider of the same organisation may use that URL.
SAME_ORGANISATION_ALLOWED: dict[tuple[str, str], str] = {}


def maker(*keywords: str):
    def register(function: Maker) -> Maker:
        for keyword in keywords:
            OBJECT_MAKERS[keyword] = function
        return function

    return register
