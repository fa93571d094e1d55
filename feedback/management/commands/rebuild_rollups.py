from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.cache import agency_data_changed
from agencies.models import Agency
from feedback.rollups import rollups_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the rollups the public pages read from the stored answers, one agency at a "
        "time (idempotent), and invalidate each agency's cached pages."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", help="Slug of one agency (default: every agency).")

    def handle(self, *args: object, agency: str | None = None, **options: object) -> None:
        agencies = Agency.objects.order_by("pk")
        if agency:
            agencies = agencies.filter(slug=agency)
            if not agencies.exists():
                raise CommandError(f"No agency with slug {agency!r}.")
        total = agencies.count()
        rows = 0
        for index, item in enumerate(agencies.iterator(), start=1):
            count = rollups_rebuild(agency=item)
            agency_data_changed(item.pk)
            rows += count
            self.stdout.write(f"[{index}/{total}] {item.slug}: {count} responses")
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt rollups of {total} agencies from {rows} responses.")
        )
