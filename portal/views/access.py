"""Shared by the account-based pages: who may open them (the signed-in beneficiary, on their
own rows) and the synthesis PDF download."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse

from bilan.models import Bilan
from core.tenancy import organisation_scope
from portal import services


def beneficiary_scope(beneficiary):
    """Their organisation's scope, acting as the beneficiary: bilan/rules.py and suivi/rules.py
    then give them their own rows only, even if they also work for an organisation."""
    return organisation_scope(beneficiary.organisation, beneficiary=beneficiary)


def beneficiary_required(view):
    """Signed in as a beneficiary; anyone else gets a 404 (the portal is not theirs).
    The view runs in the beneficiary's own organisation, even for a person who also works as
    a consultant for another organisation (whose scope the middleware would have chosen)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.beneficiary = services.beneficiary_of(request.user)
        if request.beneficiary is None:
            raise Http404
        with beneficiary_scope(request.beneficiary):
            return view(request, *args, **kwargs)

    return wrapper


def own_bilan_or_404(request: HttpRequest, bilan_id) -> Bilan:
    bilan = services.own_bilan(request.user, bilan_id)
    if bilan is None:
        raise Http404
    return bilan


def pdf_response(synthesis, *, inline: bool = False) -> FileResponse:
    if not synthesis.pdf:
        raise Http404
    return FileResponse(
        synthesis.pdf.open("rb"),
        as_attachment=not inline,
        filename=services.synthesis_pdf_filename(synthesis),
        content_type="application/pdf",
    )
