from django.core.management.base import BaseCommand, CommandParser

from feedback.services_demo import DEFAULT_FIXTURE, demo_reset


class Command(BaseCommand):
    help = (
        "Restore the demo agency to its fixture state (fixtures/trustville.json): every visitor "
        "response, code and moderation since is discarded. Safe to run nightly; real agencies are "
        "never touched, and it refuses to run if the fixture would overwrite their rows."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fixture", default=str(DEFAULT_FIXTURE), help="fixture file to load")

    def handle(self, *args: object, fixture: str, **options: object) -> None:
        agency = demo_reset(fixture=fixture)
        self.stdout.write(f"Reset the demo agency {agency.name!r} to its fixture state.")
