"""Schemathesis against the live schema: every operation, valid and invalid data, as the demo
consultant with a Bearer token; no 5xx, and every response matches the schema.

Bounded (a few examples per operation and per mode) so that it runs in a couple of minutes on
two cores. The Django WSGI application is called in-process, inside the test's transaction.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Membership, Organisation, Role, User
from api.services import create_token
from bilan import services
from bilan.models import Action, BilanStatus, Meeting
from suivi.models import FollowUp
from tests.bilan import builders
from tests.conftest import Side

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

MAX_EXAMPLES = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def demo_side() -> Side:
    """Cap Avenir from the demo data, with what each URL needs (made if the demo lacks it)."""
    call_command("seed_demo", verbosity=0)
    organisation = Organisation.objects.get(slug="cap-avenir")
    consultant = User.objects.get(email="consultant@cap-avenir.test")
    admin = (
        Membership.objects.unscoped()
        .get(organisation=organisation, role=Role.ADMIN, user__email="admin@cap-avenir.test")
        .user
    )
    return Side(organisation, admin, consultant)


def real_ids(side: Side) -> dict[str, str]:
    """An object of each kind, of the demo consultant: the examples then reach past the 404."""
    conclusion = builders.bilan(side, status=BilanStatus.CONCLUSION)
    delivered = builders.bilan(side, status=BilanStatus.DELIVERED)
    with side.scope():
        builders_action = services.add_action(
            conclusion, actor=side.consultant, title="Action de démonstration"
        )
        meeting = Meeting.objects.filter(bilan=conclusion).first()
        follow_up = FollowUp.objects.filter(bilan=delivered).first()
        assert Action.objects.filter(pk=builders_action.pk).exists()
    ids = {
        "beneficiary_id": str(conclusion.beneficiary_id),
        "bilan_id": str(conclusion.pk),
        "meeting_id": str(meeting.pk),
        "action_id": str(builders_action.pk),
    }
    if follow_up is not None:
        ids["followup_id"] = str(follow_up.pk)
    return ids


def describe(error: BaseException) -> str:
    if isinstance(error, BaseExceptionGroup):
        return "\n".join(describe(e) for e in error.exceptions)
    return f"{type(error).__name__}: {error}"


def make_run(strategy, checks, side: Side, auth: dict, *, fresh_token: bool):
    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        headers = auth
        if fresh_token:  # DELETE /auth/token/ revokes the token it is sent with
            headers = {"Authorization": f"Bearer {create_token(side.consultant, name='')[1]}"}
        case.headers = {**(case.headers or {}), **headers}
        response = case.call()
        case.validate_response(response, checks=checks)

    return run


def test_the_api_conforms_to_its_schema(settings_override):
    side = demo_side()
    _token, raw = create_token(side.consultant, name="schemathesis")
    auth = {"Authorization": f"Bearer {raw}"}
    ids = real_ids(side)
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app, headers=auth)

    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        names = re.findall(r"{(\w+)}", operation.path)
        variants: list[dict[str, str] | None] = [None]
        if names and all(name in ids for name in names):
            variants.append({name: ids[name] for name in names})
        revokes_token = operation.method.upper() == "DELETE" and operation.path.endswith("/token/")
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            checks = (
                [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS
            )
            for path_parameters in variants:
                # Valid data names the demo organisation; invalid data tries anything there too.
                headers = (
                    {"X-Organisation": "cap-avenir"} if mode is GenerationMode.POSITIVE else None
                )
                strategy = operation.as_strategy(
                    mode, path_parameters=path_parameters, headers=headers
                )
                run = make_run(strategy, checks, side, auth, fresh_token=revokes_token)
                try:
                    run()
                except (Exception, BaseExceptionGroup) as error:
                    failures.append(
                        f"{operation.label} [{mode.value}, {path_parameters}]: {describe(error)}"
                    )
    assert operations >= 30
    assert not failures, "\n\n".join(failures)


@pytest.fixture
def settings_override(settings):
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "100000/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # The WSGI handler closes the connection at the end of each request; the test's transaction
    # lives on it, so keep it open as Django's own test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield settings
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
