"""Role rules per action: `view.roles = {"list": {"admin", "consultant", "beneficiary"}, ...}`.

List-level actions are checked before the handler; actions on one object after the object is
found (so that another organisation's id answers 404, not 403). Finer rules (an assigned
consultant, who may read a synthesis) stay in bilan.services and are called by the views.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

ALL_ROLES = frozenset({"admin", "consultant", "beneficiary"})
MEMBERS = frozenset({"admin", "consultant"})
ADMINS = frozenset({"admin"})


def _allowed(view) -> bool:
    roles = getattr(view, "roles", {})
    action = getattr(view, "action", None)
    if action == "metadata":  # OPTIONS: DRF's metadata checks each method's permissions itself
        return True
    return view.api.role in roles.get(action, frozenset())


class RolePermission(permissions.BasePermission):
    message = _("Votre rôle ne permet pas cette action.")

    def has_permission(self, request, view) -> bool:
        if getattr(view, "action", None) is None:
            return True  # a method this route does not offer: the view answers 405
        if getattr(view, "detail", False):
            return True  # decided in has_object_permission, once the object is found
        return _allowed(view)

    def has_object_permission(self, request, view, obj) -> bool:
        return _allowed(view)
