import datetime as dt
from argparse import ArgumentParser

from django.core.management.base import BaseCommand

from agencies.models import Agency
from feedback.moderation import comments_release


class Command(BaseCommand):
    help = (
        "Deliver the day's batch: every comment and thank-you written before today reaches the "
        "agency's moderators and reviewers at once, in random order. Schedule it once a day at a "
        "fixed hour; running it again the same day delivers nothing new."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--include-today",
            action="store_true",
            help="also deliver what was written today (catch-up after an outage; the demo)",
        )
        parser.add_argument("--date", type=dt.date.fromisoformat, help="release as of this day")

    def handle(self, *args: object, **options: object) -> None:
        released = comments_release(
            today=options["date"], include_today=bool(options["include_today"])
        )
        names = dict(Agency.objects.values_list("pk", "name"))
        self.stdout.write(f"Released the batch of {released.day:%Y-%m-%d}.")
        for agency_id in sorted({*released.comments, *released.kudos}, key=names.get):
            self.stdout.write(
                f"  {names[agency_id]}: {released.comments.get(agency_id, 0)} comments, "
                f"{released.kudos.get(agency_id, 0)} thanks to officers"
            )
        if not released.comments and not released.kudos:
            self.stdout.write("  Nothing was waiting.")
