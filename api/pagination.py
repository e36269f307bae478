from __future__ import annotations

import datetime
import warnings

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import connection
from django.db.backends.base.operations import BaseDatabaseOperations
from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

#: The widest integer any backend stores (bigint); SQLite refuses larger Python ints.
BIGINT_RANGE = BaseDatabaseOperations.integer_field_ranges["BigIntegerField"]


class CursorPagination(pagination.CursorPagination):
    """Stable pages under inserts; each viewset names a unique-enough `ordering`."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-created_at"
    invalid_cursor_message = "Curseur de pagination invalide."

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Indiquez un nombre entier entre 1 et %(max)s.")
                        % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "ordering", None) or self.ordering
        return (ordering,) if isinstance(ordering, str) else tuple(ordering)

    def paginate_queryset(self, queryset, request, view=None):
        self._model = getattr(queryset, "model", None)
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """DRF's decoding (an undecodable cursor is a 404), then the position is checked.

        A cursor is client input: its position must be a value of the first ordering field
        (an integer in range for `position`, a date and time for `created_at`...), otherwise
        the query would fail in the database (ValueError, OverflowError, DataError): 400.
        """
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        model = getattr(self, "_model", None)
        name = self.ordering[0].lstrip("-") if self.ordering else ""
        if model is None or not name or "__" in name:
            return
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return
        try:
            with warnings.catch_warnings():  # a naive date and time: refused or not, no warning
                warnings.simplefilter("ignore", RuntimeWarning)
                self._prepare(field, position)
        except (DjangoValidationError, ValueError, TypeError, OverflowError) as error:
            raise ValidationError(
                {"cursor": [_("Curseur de pagination invalide.")]}, code="invalid_cursor"
            ) from error

    @staticmethod
    def _prepare(field, position: str) -> None:
        value = field.to_python(position)
        if value is None:
            raise ValueError(position)
        if isinstance(value, int) and not isinstance(value, bool):
            internal_type = field.get_internal_type()
            low, high = connection.ops.integer_field_ranges.get(internal_type, BIGINT_RANGE)
            if not max(low, BIGINT_RANGE[0]) <= value <= min(high, BIGINT_RANGE[1]):
                raise OverflowError(position)
        if isinstance(value, datetime.datetime) and value.tzinfo is not None:
            value.astimezone(datetime.UTC)  # stored in UTC: year 10000 there is an OverflowError
        field.get_db_prep_value(value, connection)
