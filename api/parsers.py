"""JSON in: strict (no NaN/Infinity), French errors, no lone surrogates reaching the database."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 20


def _check(value: Any, depth: int = 0) -> None:
    if depth > MAX_DEPTH:
        raise ParseError(_("Le corps de la requête est trop imbriqué."))
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ParseError(
                _("Le corps de la requête contient des caractères invalides.")
            ) from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except ParseError as exc:
            raise ParseError(
                _("Le corps de la requête n'est pas un JSON valide (UTF-8 attendu).")
            ) from exc
        except (RecursionError, json.JSONDecodeError) as exc:
            raise ParseError(_("Le corps de la requête n'est pas un JSON valide.")) from exc
        _check(data)
        return data
