"""Throttling per user (API calls) and per IP address and email (token requests).

Rates are read from settings at each request, so that tests and operators can change them.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework import throttling


class _SettingsRateMixin:
    scope: str

    def get_rate(self):
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]


class UserThrottle(_SettingsRateMixin, throttling.UserRateThrottle):
    scope = "user"


class TokenIPThrottle(_SettingsRateMixin, throttling.SimpleRateThrottle):
    scope = "token_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenEmailThrottle(_SettingsRateMixin, throttling.SimpleRateThrottle):
    scope = "token_email"

    def get_cache_key(self, request, view):
        email = request.data.get("email") if isinstance(request.data, dict) else None
        if not isinstance(email, str) or not email.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": email.strip().lower()[:254]}
