"""Walk every URL pattern of the project as users of another organisation, and as the people
of the same organisation who have no part in the rows (the policy in bilan/rules.py and
suivi/rules.py).

- A URL that names an object of organisation A answers 404 to organisation B's admin,
  consultant and beneficiary, for reads and for writes, and no write changes anything;
  anonymous visitors are sent to sign in (or get 401/403/404).
- The same holds for A's consultant who is not assigned to the bilan and A's other beneficiary
  (isolation.SAME_SIDE_OUTSIDERS), except where the policy lets them in
  (isolation.SAME_ORGANISATION_ALLOWED). A's admin is no outsider: the admin sees the
  organisation's rows.
- A URL without identifiers (a list, a dashboard) never shows organisation A's rows to B, nor
  the rows the makers made to A's outsiders.
New URL patterns are picked up automatically; a URL keyword without a maker in
tests/isolation.py fails the walk.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core import serializers
from django.urls import URLPattern, URLResolver, get_resolver

from core.tenancy import TenantModel
from tests import isolation

# Makers are registered by these modules (one per app that adds identifiers).
for module in (
    "tests.bilan.makers",
    "tests.suivi.makers",
    "tests.portal.makers",
    "tests.api.makers",
):
    __import__(module)


@dataclass(frozen=True)
class Route:
    template: str  # e.g. "bilans/<uuid:bilan_id>/"
    keywords: tuple[str, ...]
    name: str

    def fill(self, values: dict[str, str]) -> str:
        path = self.template
        for keyword in self.keywords:
            path = re.sub(rf"<(?:\w+:)?{keyword}>", str(values[keyword]), path)
        return "/" + path


def _walk(patterns, prefix: str = "") -> list[Route]:
    routes = []
    for pattern in patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            routes += _walk(pattern.url_patterns, text)
        elif isinstance(pattern, URLPattern):
            if text.startswith("^") or "(?P<" in text:
                text = _regex_to_route(text)
            keywords = tuple(re.findall(r"<(?:\w+:)?(\w+)>", text))
            routes.append(Route(text, keywords, pattern.name or ""))
    return routes


def _regex_to_route(text: str) -> str:
    text = text.lstrip("^").rstrip("$").replace("\\Z", "").replace("^", "").replace("$", "")
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", text)
    return text.replace("\\.", ".").replace("/?", "/").replace("\\", "")


def all_routes() -> list[Route]:
    seen, routes = set(), []
    for route in _walk(get_resolver().url_patterns):
        if route.template in seen:
            continue
        seen.add(route.template)
        if any(route.template.startswith(p) for p in isolation.SKIPPED_PREFIXES):
            continue
        routes.append(route)
    return routes


def object_routes() -> list[Route]:
    return [
        r for r in all_routes() if any(k not in isolation.NOT_OBJECT_KEYWORDS for k in r.keywords)
    ]


def plain_routes() -> list[Route]:
    return [r for r in all_routes() if not r.keywords]


def tenant_fingerprint(organisation) -> str:
    """A digest of every organisation-owned row of one organisation."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        if issubclass(model, TenantModel):
            rows = model.objects.unscoped().filter(organisation=organisation).order_by("pk")
            digest.update(serializers.serialize("json", rows).encode())
    return digest.hexdigest()


def other_side_users(side_b):
    users = {"admin": side_b.admin, "consultant": side_b.consultant}
    for name, make in isolation.OTHER_SIDE_USERS.items():
        users[name] = make(side_b)
    return users


def test_every_identifier_has_a_maker():
    missing = {
        (route.template, keyword)
        for route in all_routes()
        for keyword in route.keywords
        if keyword not in isolation.OBJECT_MAKERS and keyword not in isolation.NOT_OBJECT_KEYWORDS
    }
    assert not missing, f"add a maker in tests/isolation_makers.py for: {sorted(missing)}"


def fill_route(route: Route, side_a) -> str:
    context: dict = {}
    values = {}
    for keyword in route.keywords:
        if keyword in isolation.NOT_OBJECT_KEYWORDS:
            values[keyword] = "x"
        else:
            values[keyword] = isolation.OBJECT_MAKERS[keyword](side_a, context)
    return route.fill(values)


def assert_not_found_for(client, url: str, users: dict) -> None:
    """Every method answers 404 (or 405) to each of `users`."""
    for role, user in users.items():
        client.force_login(user)
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(client, method)(url, content_type="application/json", data={})
            assert response.status_code in (404, 405), (
                f"{role} got {response.status_code} for {method.upper()} {url}"
            )
        client.logout()


@pytest.mark.parametrize("route", object_routes(), ids=lambda r: r.template)
def test_foreign_object_urls_answer_404(client, side_a, side_b, route):
    url = fill_route(route, side_a)
    before = tenant_fingerprint(side_a.organisation)
    users = {f"{role} of another organisation": u for role, u in other_side_users(side_b).items()}
    assert_not_found_for(client, url, users)
    assert tenant_fingerprint(side_a.organisation) == before, f"a foreign write changed {url}"


def same_side_outsiders(side_a) -> dict:
    return {name: make(side_a) for name, make in isolation.SAME_SIDE_OUTSIDERS.items()}


@pytest.mark.parametrize("route", object_routes(), ids=lambda r: r.template)
def test_same_organisation_outsiders_get_404(client, side_a, route):
    url = fill_route(route, side_a)
    outsiders = {
        f"{name} of the same organisation": user
        for name, user in same_side_outsiders(side_a).items()
        if (route.template, name) not in isolation.SAME_ORGANISATION_ALLOWED
    }
    before = tenant_fingerprint(side_a.organisation)
    assert_not_found_for(client, url, outsiders)
    assert tenant_fingerprint(side_a.organisation) == before, f"an outsider's write changed {url}"


@pytest.mark.parametrize("route", object_routes(), ids=lambda r: r.template)
def test_anonymous_visitors_are_sent_to_sign_in(client, side_a, route):
    url = fill_route(route, side_a)
    response = client.get(url)
    assert response.status_code in (302, 401, 403, 404), f"{url}: {response.status_code}"
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


def make_one_row_per_maker(side) -> set[str]:
    """Give `side` one row behind every maker; return the markers the makers name. Each maker
    gets its own context: makers of one URL share theirs, makers of different apps need not
    agree (a follow-up's delivered bilan takes no new meeting)."""
    markers: set[str] = set()
    for make in sorted(set(isolation.OBJECT_MAKERS.values()), key=lambda f: f.__qualname__):
        context: dict = {}
        make(side, context)
        markers |= {str(v) for v in context.get("markers", ())}
    return markers


def tenant_row_ids(organisation) -> set[str]:
    return {
        str(pk)
        for model in apps.get_models()
        if issubclass(model, TenantModel)
        for pk in model.objects.unscoped()
        .filter(organisation=organisation)
        .values_list("pk", flat=True)
    }


def assert_no_marker_shown(client, route: Route, users: dict, markers: set[str]) -> None:
    for role, user in users.items():
        client.force_login(user)
        response = client.get("/" + route.template, follow=True)
        assert response.status_code < 500, f"{route.template} as {role}: {response.status_code}"
        body = response.content.decode(errors="replace")
        if response.get("Content-Type", "").startswith("application/json"):
            body = json.dumps(response.json(), ensure_ascii=False)
        leaked = sorted(m for m in markers if m and m in body)
        assert not leaked, f"{route.template} shows {role} rows that are not theirs: {leaked}"
        client.logout()


@pytest.mark.parametrize("route", plain_routes(), ids=lambda r: r.template or "/")
def test_pages_without_identifiers_show_no_foreign_rows(client, side_a, side_b, route):
    # Give organisation A one row behind every maker, then look for any trace of A in B's pages.
    markers = {side_a.organisation.name, str(side_a.organisation.pk)}
    markers |= make_one_row_per_maker(side_a)
    markers |= tenant_row_ids(side_a.organisation)
    users = {f"{role} of another organisation": u for role, u in other_side_users(side_b).items()}
    assert_no_marker_shown(client, route, users, markers)


@pytest.mark.parametrize("route", plain_routes(), ids=lambda r: r.template or "/")
def test_pages_without_identifiers_show_outsiders_nothing_of_the_makers_rows(client, side_a, route):
    existing = tenant_row_ids(side_a.organisation)
    markers = make_one_row_per_maker(side_a)
    markers |= tenant_row_ids(side_a.organisation) - existing
    outsiders = {
        f"{name} of the same organisation": user
        for name, user in same_side_outsiders(side_a).items()
        if (route.template, name) not in isolation.SAME_ORGANISATION_ALLOWED
    }
    assert_no_marker_shown(client, route, outsiders, markers)
