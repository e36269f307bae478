from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend; its schema extension (api.schema) knows tenant managers."""
