"""Every API error is JSON: {"detail": a French sentence, "code": ..., "errors": {field: [..]}}.

Refusals from the services (BilanError, Django ValidationError) become 400 with the field at
fault; too large bodies 413; conflicts 409. Nothing a client sends should produce a 500.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

NON_FIELD_KEY = api_settings.NON_FIELD_ERRORS_KEY  # "non_field_errors"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflit avec l'état actuel de la ressource."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "Le corps de la requête est trop volumineux."
    default_code = "payload_too_large"


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure -> {"field" or "field.sub" or "field[0]": [messages]}."""
    errors: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = NON_FIELD_KEY if key in (NON_FIELD_ERRORS, NON_FIELD_KEY) else str(key)
            for sub_key, messages in flatten_errors(
                value, f"{prefix}.{name}" if prefix else name
            ).items():
                errors.setdefault(sub_key, []).extend(messages)
    elif isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            errors.setdefault(prefix or NON_FIELD_KEY, []).extend(str(item) for item in detail)
        else:
            for index, item in enumerate(detail):
                if item in ({}, []):
                    continue
                for sub_key, messages in flatten_errors(item, f"{prefix}[{index}]").items():
                    errors.setdefault(sub_key, []).extend(messages)
    else:
        errors.setdefault(prefix or NON_FIELD_KEY, []).append(str(detail))
    return errors


def summary(errors: dict[str, list[str]]) -> str:
    parts = []
    for name, messages in errors.items():
        text = " ".join(messages)
        parts.append(text if name == NON_FIELD_KEY else f"{name} : {text}")
    if len(parts) == 1:
        return parts[0]
    return _("La requête contient %(n)s erreurs. ") % {"n": len(parts)} + " ; ".join(parts)


def django_validation_to_drf(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        detail = {
            (NON_FIELD_KEY if key == NON_FIELD_ERRORS else key): messages
            for key, messages in exc.message_dict.items()
        }
    else:
        detail = {NON_FIELD_KEY: exc.messages}
    return exceptions.ValidationError(detail)


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = django_validation_to_drf(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Ressource introuvable."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(_("Vous n'avez pas le droit de faire cette action."))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(_("Le corps de la requête dépasse la taille maximale autorisée."))
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(_("Requête invalide."))
    elif isinstance(exc, ProtectedError):
        exc = Conflict(_("Cet élément est encore utilisé : il ne peut pas être supprimé."))
    elif isinstance(exc, IntegrityError):
        exc = Conflict(_("La requête entre en conflit avec des données existantes."))
    elif isinstance(exc, DataError | OverflowError):
        # A value the database cannot hold (a huge integer, a date beyond year 9999): the
        # filters and the pagination refuse them first; this is the net behind them.
        exc = exceptions.ValidationError(
            {NON_FIELD_KEY: [_("Une valeur de la requête est hors des limites acceptées.")]}
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    request = context.get("request")
    renderer = getattr(request, "accepted_renderer", None) if request is not None else None
    if renderer is not None and renderer.format != "json":  # a PDF was asked for: errors are JSON
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = "application/json"
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_errors(data)
        body = {"detail": summary(errors), "code": "invalid", "errors": errors}
    else:
        detail = data.get("detail", "") if isinstance(data, dict) else data
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        body = {"detail": str(detail), "code": str(code), "errors": {}}
        if isinstance(data, dict):
            for key, value in data.items():
                if key != "detail":
                    body["errors"].update(flatten_errors(value, key))
    response.data = body
    return response
