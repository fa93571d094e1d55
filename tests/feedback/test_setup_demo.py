"""`./bin/demo` runs `setup_demo` on every start: it must work on a fresh database and again."""

import io

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command


@pytest.mark.django_db
def test_setup_demo_creates_the_demo_login_and_runs_again(trustville) -> None:
    for _ in range(2):  # a fresh database, then the next ./bin/demo on the same one
        out = io.StringIO()
        call_command("setup_demo", "--codes", "1", stdout=out)
        assert settings.DEMO_STAFF_USERNAME in out.getvalue()
    user = authenticate(
        username=settings.DEMO_STAFF_USERNAME, password=settings.DEMO_STAFF_PASSWORD
    )
    assert user is not None and user.is_staff and not user.is_superuser
