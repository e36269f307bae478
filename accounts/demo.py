"""Demo organisations and accounts (README, "Demo accounts"). Idempotent: running it twice
changes nothing."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from accounts.models import Organisation, Role, User
from accounts.services import add_membership

DEMO_PASSWORD = "passerelle-demo"  # noqa: S105 - documented demo password

ORGANISATIONS = {
    "cap-avenir": {"name": "Cap Avenir", "contact_email": "contact@cap-avenir.test"},
    "horizon-bilans": {"name": "Horizon Bilans", "contact_email": "contact@horizon-bilans.test"},
}

# email: (first name, last name, [(organisation slug, role)])
STAFF = {
    "admin@cap-avenir.test": ("Anne", "Martin", [("cap-avenir", Role.ADMIN)]),
    "consultant@cap-avenir.test": ("Claire", "Dubois", [("cap-avenir", Role.CONSULTANT)]),
    "admin@horizon-bilans.test": ("Hugo", "Bernard", [("horizon-bilans", Role.ADMIN)]),
    "consultant@horizon-bilans.test": ("Karim", "Lefèvre", [("horizon-bilans", Role.CONSULTANT)]),
    "independant@passerelle.test": (
        "Inès",
        "Moreau",
        [("cap-avenir", Role.CONSULTANT), ("horizon-bilans", Role.CONSULTANT)],
    ),
}
PLATFORM_STAFF = "staff@passerelle.test"


def ensure_user(email: str, first_name: str = "", last_name: str = "", **extra) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name, **extra}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed_accounts() -> dict[str, Organisation]:
    organisations = {}
    for slug, fields in ORGANISATIONS.items():
        organisations[slug], _ = Organisation.objects.update_or_create(slug=slug, defaults=fields)
    for email, (first, last, memberships) in STAFF.items():
        user = ensure_user(email, first, last)
        for slug, role in memberships:
            add_membership(organisations[slug], user, role)
    ensure_user(PLATFORM_STAFF, "Sam", "Plateforme", is_staff=True, is_superuser=True)
    return organisations
