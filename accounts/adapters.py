from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """No open sign-up: people join by invitation from their organisation or consultant."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
