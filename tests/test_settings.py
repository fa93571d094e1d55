"""Production configuration: refuses to start without secrets, passes `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STRONG_KEY = "$" + "k3y-that-starts-with-a-dollar-sign-and-is-long-enough-0123456789"


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    clean.update({"DJANGO_SETTINGS_MODULE": "openpolicing.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


# The test process's own settings must not leak into the "production" child processes.
NOT_INHERITED = {"DATABASE_URL", "CACHE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}

PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "feedback.example.org",
    "CAPTCHA_BACKEND": "none",
}


def test_production_refuses_to_start_without_a_secret_key() -> None:
    result = _run("import django; django.setup()", **PRODUCTION)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_the_public_development_key() -> None:
    from openpolicing.settings import DEV_SECRET_KEY

    result = _run("import django; django.setup()", SECRET_KEY=DEV_SECRET_KEY, **PRODUCTION)
    assert result.returncode != 0


def test_production_refuses_to_start_without_allowed_hosts() -> None:
    env = {**PRODUCTION, "ALLOWED_HOSTS": "", "SECRET_KEY": STRONG_KEY}
    result = _run("import django; django.setup()", **env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_secret_key_starting_with_dollar_is_taken_literally() -> None:
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    result = _run(code, SECRET_KEY=STRONG_KEY, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == STRONG_KEY


def test_check_deploy_passes_with_production_values() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k not in NOT_INHERITED},
            "SECRET_KEY": STRONG_KEY,
            **PRODUCTION,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_unknown_host_gets_400(client) -> None:
    response = client.get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
