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
    "EMAIL_URL": "smtp://localhost:25",
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


def _check_deploy(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k not in NOT_INHERITED}, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("email_url", ["consolemail://", "filemail:///tmp/mail", None])
def test_check_deploy_fails_on_an_e_mail_backend_that_prints_or_keeps_mail(email_url) -> None:
    env = {**PRODUCTION, "SECRET_KEY": STRONG_KEY}
    if email_url is None:
        del env["EMAIL_URL"]  # the laptop default: consolemail://
    else:
        env["EMAIL_URL"] = email_url
    result = _check_deploy(**env)
    assert result.returncode != 0
    assert "feedback.E003" in result.stdout + result.stderr


def test_gunicorn_refuses_to_start_production_with_the_console_backend(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(PRODUCTION, SECRET_KEY=STRONG_KEY, EMAIL_URL="consolemail://")
    env.update(GUNICORN_BIND="127.0.0.1:8151", WEB_CONCURRENCY="1")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "openpolicing.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "feedback.E003" in result.stdout + result.stderr
