"""Isolation-walk makers for this app's URL identifiers (see tests/isolation.py)."""

from __future__ import annotations

from tests.isolation import maker  # noqa: F401
