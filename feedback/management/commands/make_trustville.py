import datetime as dt
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from feedback.demo import DemoSpec, fixture_checksum, trustville_fixture_json


class Command(BaseCommand):
    help = (
        "Regenerate fixtures/trustville.json deterministically from a seed. Needs a migrated "
        "database with no agencies, e.g. DATABASE_URL=sqlite:////tmp/gen.sqlite3 (nothing is kept "
        "in it: the data is built in a transaction that is rolled back)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DemoSpec.seed)
        parser.add_argument("--end-month", default=DemoSpec.end_month.strftime("%Y-%m"))
        parser.add_argument(
            "--output", default=str(Path(settings.BASE_DIR) / "fixtures" / "trustville.json")
        )

    def handle(self, *args: object, seed: int, end_month: str, output: str, **opts: object) -> None:
        end = dt.datetime.strptime(end_month, "%Y-%m").date()
        payload = trustville_fixture_json(DemoSpec(seed=seed, end_month=end))
        Path(output).write_text(payload, encoding="utf-8")
        self.stdout.write(f"wrote {output} (sha256 {fixture_checksum(payload)}…)")
