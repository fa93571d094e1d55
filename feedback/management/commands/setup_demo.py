import io

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from agencies.models import Agency
from feedback.models import CodeBatch
from feedback.services import codes_issue
from feedback.services_demo import demo_logins_restore


class Command(BaseCommand):
    help = (
        "Load the Trustville demo (once), restore its two demo staff logins (moderator, analyst), "
        "and print them and fresh one-time demo codes. Safe to run again."
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
        logins = demo_logins_restore(agency=agency)
        _, issued = codes_issue(agency=agency, kind=CodeBatch.Kind.DEMO, count=codes)
        lines = ["", "Trustville demo staff logins (Trustville only; reset every night):"]
        for username, password, role in logins:
            lines.append(f"  {role:<9} username: {username}   password: {password}")
        lines.append("  (the moderator reviews comments; the analyst sees results)")
        lines.append("One-time demo feedback codes (type one at /feedback/):")
        lines += [f"  {code}" for code, _ in issued]
        self.stdout.write("\n".join(lines) + "\n")
