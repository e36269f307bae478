"""The beneficiary's requests about their data (correction, erasure...) and the organisation's
answer."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Role, User
from bilan.models import Beneficiary
from core.mail import build_email
from core.tenancy import organisation_scope
from portal.models import DataRequest, DataRequestStatus
from portal.services.errors import PortalError


def organisation_admin_emails(organisation) -> list[str]:
    with organisation_scope(organisation):
        emails = list(
            Membership.objects.filter(role=Role.ADMIN, user__is_active=True)
            .order_by("user__email")
            .values_list("user__email", flat=True)
        )
    if not emails and organisation.contact_email:
        emails = [organisation.contact_email]
    return emails


def request_data_change(
    beneficiary: Beneficiary, *, kind: str, details: str, actor: User
) -> DataRequest:
    """The beneficiary asks for a correction or erasure; the organisation's admins are told."""
    if beneficiary.user_id != actor.pk:
        raise PermissionDenied(_("Seul le bénéficiaire peut faire cette demande."))
    if not details.strip():
        raise PortalError({"details": _("Précisez votre demande.")})
    with transaction.atomic():
        data_request = DataRequest(
            organisation=beneficiary.organisation,
            beneficiary=beneficiary,
            kind=kind,
            details=details.strip(),
        )
        data_request.full_clean(exclude=["organisation", "beneficiary"])
        data_request.save()
        recipients = organisation_admin_emails(beneficiary.organisation)
        if recipients:
            message = build_email(
                "portal_data_request",
                recipients,
                {
                    "data_request": data_request,
                    "beneficiary": beneficiary,
                    "organisation": beneficiary.organisation,
                    "admin_url": settings.SITE_URL
                    + reverse("admin:portal_datarequest_change", args=[data_request.pk]),
                },
                reply_to=[beneficiary.email],
            )
            transaction.on_commit(message.send)
    return data_request


def handle_data_request(
    data_request: DataRequest, *, status: str, response: str, actor: User
) -> DataRequest:
    """An admin records the outcome; a finished request is dated and the beneficiary told."""
    if status == DataRequestStatus.REFUSED and not response.strip():
        raise PortalError({"response": _("Indiquez au bénéficiaire le motif du refus.")})
    was_open = data_request.is_open
    data_request.status = status
    data_request.response = response.strip()
    finished = status in (DataRequestStatus.DONE, DataRequestStatus.REFUSED)
    if finished and was_open:
        data_request.handled_at = timezone.now()
        data_request.handled_by = actor
    data_request.save()
    if finished and was_open:
        beneficiary = data_request.beneficiary
        message = build_email(
            "portal_data_request_handled",
            [beneficiary.email],
            {
                "data_request": data_request,
                "beneficiary": beneficiary,
                "organisation": data_request.organisation,
                "url": settings.SITE_URL + reverse("portal:data"),
            },
        )
        transaction.on_commit(message.send)
    return data_request
