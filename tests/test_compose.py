"""Docker cannot run on the development and CI machines, so docker-compose.yml, the Dockerfile and
.env.example are kept correct by reading them against config/settings.py (docs/deploy.md and
docs/scheduling.md: the same processes in docker-compose.yml, `make run` and the tests)."""

from __future__ import annotations

import ast
import os
import re
import secrets
import shlex
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "beat")
LONG_RUNNING = ("web", "worker", "beat")
# Read by the tests only (pyproject.toml), never set by an operator.
INTERNAL_VARIABLES = {"PASSERELLE_TESTING"}
# Interpolated by Docker Compose from .env, not read by Django.
COMPOSE_ONLY_VARIABLES = {"POSTGRES_PASSWORD"}
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def settings_variables() -> set[str]:
    """Every name config/settings.py reads with `env.<cast>("NAME", ...)` or `env("NAME")`."""
    tree = ast.parse((ROOT / "config" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        reads_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        first = node.args[0]
        if reads_env and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def env_example(*, commented: bool = True) -> dict[str, str]:
    """Variables of .env.example: set (`NAME=value`) and, unless `commented` is false, documented
    with their default (`# NAME=value`)."""
    pattern = r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$" if commented else r"^([A-Z][A-Z0-9_]*)=(.*)$"
    found = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        match = re.match(pattern, line.strip())
        if match:
            found[match.group(1)] = match.group(2)
    return found


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Docker Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, as Compose reads them."""

    def replace(match: re.Match) -> str:
        name, op, arg = match.group("name", "op", "arg")
        current = variables.get(name)
        if op in (":-", "-") and (current is None or (op == ":-" and current == "")):
            return arg
        if op in (":?", "?") and (current is None or (op == ":?" and current == "")):
            raise AssertionError(f"{name} is required: {arg}")
        return current or ""

    return INTERPOLATION.sub(replace, value)


def command(service: dict) -> list[str]:
    raw = service.get("command", [])
    return shlex.split(raw) if isinstance(raw, str) else [str(part) for part in raw]


def environment(service: dict) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {key: str(value) for key, value in raw.items()}


def depends_on(service: dict) -> dict[str, str]:
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def test_services_are_the_documented_ones(services):
    assert set(services) == {"postgres", "redis", "mailpit", *APP_SERVICES}
    assert services["postgres"]["image"].split(":")[1].startswith("16")
    for name in APP_SERVICES:
        assert "build" in services[name], f"{name} must run the project's own image"
        assert services[name].get("env_file") == ".env", f"{name} must read the operator's .env"


def test_every_process_runs_the_documented_command(services):
    assert command(services["web"])[:4] == ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]
    assert command(services["worker"])[:4] == ["celery", "-A", "config", "worker"]
    assert command(services["beat"])[:4] == ["celery", "-A", "config", "beat"]
    assert command(services["migrate"])[:3] == ["python", "manage.py", "migrate"]
    assert "--noinput" in command(services["migrate"])


def test_exactly_one_beat(services):
    beats = [
        name
        for name, service in services.items()
        if "beat" in command(service)[:5] or {"-B", "--beat"} & set(command(service))
    ]
    assert beats == ["beat"], f"exactly one process may run Celery beat, found {beats}"
    replicas = services["beat"].get("deploy", {}).get("replicas", 1)
    assert replicas == 1, "two beats would tick twice"
    assert "scale" not in services["beat"]


def test_the_worker_and_beat_are_the_ones_make_run_starts(services):
    procfile = dict(
        line.split(":", 1)
        for line in (ROOT / "Procfile.dev").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    for process in ("worker", "beat"):
        local = shlex.split(procfile[process])
        local[0] = Path(local[0]).name  # .venv/bin/celery -> celery
        assert local[:4] == command(services[process])[:4]


def test_every_variable_set_by_compose_is_read_by_the_settings(services):
    read = settings_variables()
    for name in APP_SERVICES:
        unknown = set(environment(services[name])) - read
        assert not unknown, (
            f"{name} sets {sorted(unknown)}, which config/settings.py never reads "
            "(a misspelt or forgotten variable would be silently ignored)"
        )


def test_addresses_point_to_the_compose_services(services):
    variables = env_example(commented=False)  # what Compose interpolates from a copied .env
    for name in APP_SERVICES:
        env = {
            key: interpolate(value, variables) for key, value in environment(services[name]).items()
        }
        database = urlsplit(env["DATABASE_URL"])
        assert database.scheme in ("postgres", "postgresql", "pgsql")
        assert (database.hostname, database.port) == ("postgres", 5432)
        postgres = environment(services["postgres"])
        assert database.username == postgres["POSTGRES_USER"]
        assert database.path.lstrip("/") == postgres["POSTGRES_DB"]
        assert database.password == interpolate(postgres["POSTGRES_PASSWORD"], variables)

        broker = urlsplit(env["REDIS_URL"])
        assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)

        assert env["EMAIL_HOST"] == "mailpit"
        assert env["EMAIL_PORT"] == "1025", "Mailpit listens for SMTP on 1025"

        assert "media:" + env["MEDIA_ROOT"] in services[name]["volumes"]


def test_long_running_services_wait_for_migrations(services):
    assert depends_on(services["migrate"]) == {"postgres": "service_healthy"}
    assert services["migrate"]["restart"] == "no", "migrate is a one-shot service"
    assert "healthcheck" in services["postgres"]
    assert "healthcheck" in services["redis"]
    for name in LONG_RUNNING:
        conditions = depends_on(services[name])
        assert conditions.get("migrate") == "service_completed_successfully", name
        assert conditions.get("postgres") == "service_healthy", name
        assert conditions.get("redis") == "service_healthy", name


def test_env_example_lists_every_variable():
    listed = set(env_example())
    read = settings_variables() - INTERNAL_VARIABLES
    missing = read - listed
    assert not missing, f"add {sorted(missing)} to .env.example and docs/configuration.md"
    unknown = listed - read - COMPOSE_ONLY_VARIABLES
    assert not unknown, f".env.example lists {sorted(unknown)}, which nothing reads"
    text = (ROOT / "docker-compose.yml").read_text()
    interpolated = {match.group("name") for match in INTERPOLATION.finditer(text)}
    assert interpolated <= listed, f"add {sorted(interpolated - listed)} to .env.example"
    assert interpolated >= COMPOSE_ONLY_VARIABLES


def test_configuration_guide_documents_every_variable():
    guide = (ROOT / "docs" / "configuration.md").read_text()
    undocumented = {
        name for name in settings_variables() | COMPOSE_ONLY_VARIABLES if f"`{name}`" not in guide
    }
    assert not undocumented, f"document {sorted(undocumented)} in docs/configuration.md"


def test_the_image_is_built_as_documented():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu"):
        assert package in dockerfile, f"WeasyPrint needs {package}"
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "manage.py collectstatic --noinput" in dockerfile
    assert 'CMD ["gunicorn", "config.wsgi"' in dockerfile

    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".venv", "var"} <= ignored, "secrets and local state stay out of the image"


def test_settings_load_with_the_compose_environment(services, tmp_path):
    """The web service's environment, with .env.example's values and real secrets, gives the
    settings the compose services, and `check --deploy` is clean."""
    variables = env_example(commented=False) | {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "passerelle.example.fr",
        "SITE_URL": "https://passerelle.example.fr",
        "POSTGRES_PASSWORD": "s3cret",
        "DEBUG": "0",
    }
    # Only what a container would have: none of the settings' variables from this machine, and
    # not the browser tests' lifted async guard (check --deploy rightly warns about it).
    inherited = settings_variables() | {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {key: value for key, value in os.environ.items() if key not in inherited}
    env |= {key: variables[key] for key in ("SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DEBUG")}
    env |= {
        key: interpolate(value, variables) for key, value in environment(services["web"]).items()
    }
    env["MEDIA_ROOT"] = str(tmp_path / "media")  # the container's path does not exist here
    env["STATIC_ROOT"] = str(tmp_path / "static")
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['HOST'], d['PORT'], s.CELERY_BROKER_URL, s.EMAIL_BACKEND, "
        "s.EMAIL_HOST, s.EMAIL_PORT, s.CELERY_BEAT_SCHEDULER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "postgres",
        "5432",
        "redis://redis:6379/0",
        "django.core.mail.backends.smtp.EmailBackend",
        "mailpit",
        "1025",
        "django_celery_beat.schedulers:DatabaseScheduler",
    ]

    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
