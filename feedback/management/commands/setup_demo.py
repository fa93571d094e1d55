import io

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from agencies.models import Agency, Membership
from feedback.models import CodeBatch
from feedback.services import codes_issue


class Command(BaseCommand):
    help = (
        "Load the Trustville demo (once), create its demo staff login, and print the login and "
        "fresh one-time demo codes. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--codes", type=int, default=3, help="how many fresh codes to print")

    @transaction.atomic
    def handle(self, *args: object, codes: int, **opts: object) -> None:
        if not Agency.objects.filter(slug="trustville").exists():
            call_command("loaddata", "trustville", verbosity=0)
            self.stdout.write("Loaded the Trustville demo agency.")
        # The sample comments reach the moderation queue as one daily batch (feedback.moderation).
        call_command("release_comments", verbosity=0, stdout=io.StringIO())
        # Figures come from stored releases, derived from the fixture's responses (idempotent).
        call_command("release_blocks", stdout=io.StringIO())
        agency = Agency.objects.get(slug="trustville")
        user, _ = get_user_model().objects.get_or_create(
            username=settings.DEMO_STAFF_USERNAME, defaults={"is_staff": True}
        )
        user.is_staff, user.is_superuser = True, False
        user.set_password(settings.DEMO_STAFF_PASSWORD)
        user.save()
        Membership.objects.update_or_create(
            user=user, defaults={"agency": agency, "role": Membership.Role.MODERATOR}
        )
        _, issued = codes_issue(agency=agency, kind=CodeBatch.Kind.DEMO, count=codes)
        self.stdout.write(
            "\nTrustville demo staff login (moderator, Trustville only):\n"
            f"  username: {settings.DEMO_STAFF_USERNAME}\n"
            f"  password: {settings.DEMO_STAFF_PASSWORD}\n"
            "One-time demo feedback codes (type one at /feedback/):\n"
            + "".join(f"  {code}\n" for code, _ in issued)
        )
