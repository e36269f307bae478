"""Shared helpers for the accounts tests: a clean cache (allauth's rate limits live there)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """allauth counts failed sign-ins and used TOTP codes in the cache: start every test clean."""
    cache.clear()
    yield
    cache.clear()


def links_in(message) -> list[str]:
    """Every http(s) link in the text part of an email."""
    return re.findall(r"https?://[^\s<>\"]+", message.body)


def path_of(url: str) -> str:
    """The path (and query) of an absolute link, for the test client."""
    return re.sub(r"^https?://[^/]+", "", url)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
