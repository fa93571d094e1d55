import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.models import Agency
from feedback.releases import releases_rebuild, releases_run


class Command(BaseCommand):
    help = (
        "Release every block whose months have all closed (every code for them has expired) and "
        "store its figures; run daily. Idempotent: what is released stays as released. "
        "--rebuild (operators only) recomputes every stored release from the responses."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", help="Slug of one agency (default: every agency).")
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="Forget the stored releases and release again (after a change of k or figures).",
        )
        parser.add_argument("--today", help="Run as if on this date (YYYY-MM-DD).")

    def handle(
        self,
        *args: object,
        agency: str | None = None,
        rebuild: bool = False,
        today: str | None = None,
        **options: object,
    ) -> None:
        only = None
        if agency:
            only = Agency.objects.filter(slug=agency).first()
            if only is None:
                raise CommandError(f"No agency with slug {agency!r}.")
        day = dt.date.fromisoformat(today) if today else None
        run = releases_rebuild if rebuild else releases_run
        result = run(today=day, agency=only)
        for block in result["blocks"]:
            self.stdout.write(
                f"released {block.agency.slug} {block.first_month:%Y-%m}..{block.last_month:%Y-%m}"
                f" ({block.n} responses)"
            )
        for release in result["releases"]:
            self.stdout.write(
                f"released {release.agency.slug} figures through {release.closed_through:%Y-%m}"
            )
        self.stdout.write(
            f"closed through {result['closed_through']:%Y-%m}: {len(result['blocks'])} new "
            f"block(s), {len(result['releases'])} new release(s)"
        )
