"""The OpenAPI schema generates without warnings, documents every operation, and is served to
signed-in people only; Swagger UI is served from our own static files."""

from __future__ import annotations

import re

import yaml
from django.core.management import call_command
from django.test import Client

from tests.api.conftest import bearer


def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    # --fail-on-warn turns any warning into an error; --validate checks it against OpenAPI 3.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["components"]["securitySchemes"]["jeton"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["jeton"]["description"],
    }
    paths = schema["paths"]
    for expected in (
        "/api/v1/auth/token/",
        "/api/v1/beneficiaries/",
        "/api/v1/bilans/",
        "/api/v1/bilans/{bilan_id}/meetings/",
        "/api/v1/bilans/{bilan_id}/synthesis/",
        "/api/v1/bilans/{bilan_id}/synthesis/pdf/",
        "/api/v1/bilans/{bilan_id}/synthesis/deliver/",
        "/api/v1/bilans/{bilan_id}/actions/",
    ):
        assert expected in paths, expected
    for path, operations in paths.items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            assert operation.get("description"), f"{where} has no description"
            assert operation.get("summary"), f"{where} has no summary"
            assert (
                "400" in operation["responses"]
                or method == "delete"
                or "default" in operation["responses"]
            )
            if path != "/api/v1/auth/token/":
                headers = [
                    p["name"] for p in operation.get("parameters", []) if p["in"] == "header"
                ]
                assert headers == ["X-Organisation"], where
            has_example = any(
                "examples" in content
                for part in (operation.get("requestBody", {}), *operation["responses"].values())
                for content in part.get("content", {}).values()
            )
            if method != "delete" and not path.endswith("/pdf/"):
                assert has_example, f"{where} has no example"


def test_schema_and_docs_need_a_signed_in_person(client: Client, side_a):
    assert client.get("/api/schema/").status_code == 401
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert bearer(side_a.consultant).get("/api/schema/").status_code == 200
    client.force_login(side_a.consultant)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in body
    # Nothing loaded from another host (a CDN): every script and style is served here. (Not
    # `"cdn" not in body`: the page carries random tokens, which sometimes spell it.)
    assert re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", body) is None


def test_platform_staff_can_read_the_docs(client: Client, platform_staff):
    client.force_login(platform_staff)
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/").status_code == 200
