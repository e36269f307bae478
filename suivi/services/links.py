"""Links sent by email: issued for one purpose, found again, spent once; the session grant an
emailed link gives; a fresh link on request."""

from __future__ import annotations

from datetime import datetime, timedelta

import rules
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from suivi.models import ACTIVE_STATES, AccessLink, FollowUp, Invitation, MessageKind
from suivi.services.common import SuiviError, beneficiary_email, link_validity
from suivi.services.outbox import send_soon

LINK_SALT = "suivi.link"
GRANTS_SESSION_KEY = "suivi_access"

#: The page that opens an emailed link (/suivi/lien/<token>/). It lives in portal, with every
#: page a beneficiary sees; suivi, which may not import portal, names it by its URL name only.
LINK_PAGE = "portal:followup_link"


class LinkError(SuiviError):
    pass


def issue_link(follow_up: FollowUp, purpose: str, now: datetime | None = None) -> str:
    """A signed, expiring, single-use token for one purpose. Only the secret's hash is stored;
    the signed wrapper (the link's id and its secret) is the format of the links already sent."""
    link, secret = AccessLink.issue(
        valid_for=link_validity(),
        now=now,
        organisation_id=follow_up.organisation_id,
        follow_up=follow_up,
        purpose=purpose,
    )
    return signing.dumps({"l": str(link.pk), "s": secret}, salt=LINK_SALT)


def _link_of(token: str) -> AccessLink | None:
    """The link behind one of our emailed tokens, whatever its state; None for anything else
    (tampered, truncated, unknown)."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=link_validity() + timedelta(days=400))
        return (
            AccessLink.matching(data["s"])
            .filter(pk=data["l"])
            .select_related("follow_up__organisation", "follow_up__bilan__beneficiary")
            .first()
        )
    except (signing.BadSignature, AttributeError, KeyError, TypeError, ValueError, ValidationError):
        return None


def resolve_link(token: str, now: datetime | None = None) -> AccessLink:
    """The link behind an emailed token, still usable; otherwise a LinkError that says why
    (code "used" or "expired": the page then offers a fresh link)."""
    now = now or timezone.now()
    link = _link_of(token)
    if link is None:
        raise LinkError(
            _("Ce lien n'est pas valide. Vérifiez qu'il est complet, ou demandez-en un nouveau.")
        )
    if link.used_at is not None:
        raise LinkError(_("Ce lien a déjà servi : il ne fonctionne qu'une fois."), code="used")
    if link.expires_at <= now:
        raise LinkError(_("Ce lien a expiré."), code="expired")
    return link


def follow_up_to_renew(token: str) -> FollowUp | None:
    """The follow-up behind an emailed token, usable, used or expired (its page offers a fresh
    link then); None when the token is not one of our links."""
    link = _link_of(token)
    return link.follow_up if link is not None else None


def spend_link(link: AccessLink, now: datetime | None = None) -> bool:
    """Spend the link (the POST of its confirmation page): True for the first caller only."""
    return link.spend(now)


def request_new_link(follow_up: FollowUp, now: datetime | None = None) -> bool:
    """Send a fresh access link to the beneficiary's address (at most one per 10 minutes)."""
    now = now or timezone.now()
    if follow_up.state not in ACTIVE_STATES:
        return False
    recent = Invitation.objects.unscoped().filter(
        follow_up=follow_up, kind=MessageKind.NEW_LINK, created_at__gte=now - timedelta(minutes=10)
    )
    if recent.exists():
        return False
    send_soon(
        follow_up,
        MessageKind.NEW_LINK,
        beneficiary_email(follow_up),
        now,
        key=now.strftime("%Y%m%d%H%M%S%f"),
    )
    return True


def grant_access(session, follow_up: FollowUp) -> None:
    grants = list(session.get(GRANTS_SESSION_KEY, []))
    if str(follow_up.pk) not in grants:
        grants.append(str(follow_up.pk))
    session[GRANTS_SESSION_KEY] = grants[-20:]


def beneficiary_may_access(user: User | None, session, follow_up: FollowUp) -> bool:
    """A grant from an emailed link in this session, or the follow-up's own beneficiary
    (suivi/rules.py), asked inside the follow-up's organisation scope."""
    if str(follow_up.pk) in session.get(GRANTS_SESSION_KEY, []):
        return True
    return rules.test_rule("suivi.answer_follow_up", user, follow_up)
