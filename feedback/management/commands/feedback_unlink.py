from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from feedback.services import UNLINK_MARGIN_DAYS, codes_unlink


class Command(BaseCommand):
    help = (
        "Rewrite redeemed feedback codes so no code shares a database transaction id with the "
        "feedback it was used for. Run nightly: by default it rewrites every redeemed code that was "
        f"still valid in the last {UNLINK_MARGIN_DAYS} days (no other code can have been redeemed "
        "since the previous run); --all rewrites every redeemed code."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="every redeemed code, however old (after an outage)"
        )

    def handle(self, *args: object, **options: object) -> None:
        count = codes_unlink(everything=bool(options["all"]))
        self.stdout.write(f"Restamped {count} redeemed codes.")
