"""Settings: production refuses unsafe values, and `check --deploy` is clean with safe ones.

Each case starts `manage.py` in a subprocess with a production-like environment (PASSERELLE_TESTING
unset), so the settings module is imported exactly as in production.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
GOOD_KEY = secrets.token_urlsafe(50)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # Nothing of the test run or of a developer's shell leaks into "production".
        if not key.startswith(("PASSERELLE_", "DJANGO_", "DATABASE_", "REDIS_", "EMAIL_"))
        and key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "CACHE_URL"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=GOOD_KEY,
        ALLOWED_HOSTS="passerelle.example.fr",
        SITE_URL="https://passerelle.example.fr",
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        DJANGO_SETTINGS_MODULE="config.settings",
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_values(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def import_settings(env: dict[str, str], code: str = "") -> subprocess.CompletedProcess:
    """Import the settings module alone, as every process does first (fast: no app loading)."""
    return subprocess.run(
        [sys.executable, "-c", f"import config.settings as s\n{code}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        (
            {"SECRET_KEY": "insecure-development-key-do-not-use-in-production"},
            "SECRET_KEY must be set",
        ),
        ({"SECRET_KEY": "court-et-devinable"}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must list"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS must list"),
    ],
    ids=["missing-key", "default-key", "short-key", "empty-key", "empty-hosts", "missing-hosts"],
)
def test_production_refuses_unsafe_values(tmp_path, overrides, message):
    result = import_settings(production_env(tmp_path, **overrides))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_manage_py_stops_with_a_clear_message(tmp_path):
    result = manage(production_env(tmp_path, SECRET_KEY=None), "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set to a long random value when DEBUG is off" in result.stderr


def test_debug_mode_accepts_the_development_defaults(tmp_path):
    env = production_env(tmp_path, DEBUG="1", SECRET_KEY=None, ALLOWED_HOSTS=None)
    result = import_settings(env, "print(s.DEBUG, s.ALLOWED_HOSTS)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True ['127.0.0.1', 'localhost']"


def test_production_security_settings(tmp_path):
    code = (
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS > 0, s.CACHES['default']['BACKEND'].rsplit('.', 1)[-1],"
        " s.ACCOUNT_EMAIL_VERIFICATION, s.LANGUAGE_CODE, s.TIME_ZONE)"
    )
    result = import_settings(production_env(tmp_path), code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "True",
        "LocMemCache",
        "mandatory",
        "fr-fr",
        "Europe/Paris",
    ]


def test_with_redis_the_rate_limits_are_shared_by_every_process(tmp_path):
    env = production_env(tmp_path, REDIS_URL="redis://127.0.0.1:6379/0")
    result = import_settings(env, "print(s.CACHES['default']['BACKEND'])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.cache.backends.redis.RedisCache"
