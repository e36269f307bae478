from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import fields as filter_fields
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend; its schema extension (api.schema) knows tenant managers."""


class StorableIsoDateTimeField(filter_fields.IsoDateTimeField):
    """An ISO 8601 date and time that can also be written in UTC (what the database stores).

    9999-12-31T23:59:59-12:00 parses, but is year 10000 in UTC: the query would fail with an
    OverflowError. Refused here, as an error on the filter. A valid value is handed on in UTC:
    Python accepts offsets up to ±23:59, PostgreSQL only up to ±15:59 (-21:38 failed there).
    """

    default_error_messages = {
        "out_of_range": _("Indiquez une date et une heure entre l'an 1 et l'an 9999 (UTC)."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None:
            try:
                if value.tzinfo is not None:
                    value = value.astimezone(datetime.UTC)
                else:
                    value.replace(tzinfo=datetime.UTC)
            except (OverflowError, ValueError) as error:
                raise forms.ValidationError(
                    self.error_messages["out_of_range"], code="out_of_range"
                ) from error
        return value


class IsoDateTimeFilter(filters.IsoDateTimeFilter):
    """django-filter's IsoDateTimeFilter, refusing dates and times the database cannot store."""

    field_class = StorableIsoDateTimeField
