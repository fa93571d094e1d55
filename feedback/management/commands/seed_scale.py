"""`manage.py seed_scale`: a deterministic national-scale data set for benchmarks and load tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from feedback import synthetic


def _month(value: str) -> dt.date:
    return dt.datetime.strptime(value, "%Y-%m").date()


def _previous_month() -> dt.date:
    first = dt.date.today().replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)


class Command(BaseCommand):
    help = (
        "Seed N synthetic agencies (slugs scale-00001…) with M feedback rows, their answers, codes "
        "and rollups, deterministically from --seed, with COPY on PostgreSQL. For a dedicated "
        "benchmark database only. Idempotent: does nothing when the same data set is present. "
        "With --fresh-codes, only adds that many unused codes and writes them to --codes-file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agencies", type=int, default=100)
        parser.add_argument("--feedback", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--focus",
            default="",
            help="comma-separated exact row counts for the first agencies, e.g. 1000000,10000",
        )
        parser.add_argument(
            "--end-month",
            type=_month,
            default=None,
            help="last month of data, YYYY-MM (default: the previous month)",
        )
        parser.add_argument(
            "--unused-codes-ratio", type=float, default=0.5, help="unused codes per response"
        )
        parser.add_argument("--replace", action="store_true", help="delete earlier synthetic data")
        parser.add_argument("--fresh-codes", type=int, default=0)
        parser.add_argument("--codes-file", type=Path, default=Path("bench/results/codes.txt"))

    def handle(self, *args: object, **opts: object) -> None:
        if opts["fresh_codes"]:
            n = synthetic.synthetic_fresh_codes(count=opts["fresh_codes"], path=opts["codes_file"])
            self.stdout.write(f"{n} fresh codes written to {opts['codes_file']}")
            return
        focus = [int(x) for x in str(opts["focus"]).split(",") if x.strip()]
        agencies, feedback = opts["agencies"], opts["feedback"]
        present = synthetic.existing()
        if present == (agencies, feedback) and not opts["replace"]:
            self.stdout.write(f"already seeded: {agencies} agencies, {feedback} feedback rows")
            return
        if present[0] and not opts["replace"]:
            raise CommandError(
                f"{present[0]} synthetic agencies with {present[1]} feedback rows exist; "
                "use --replace to start over"
            )
        synthetic.synthetic_clear()
        with tqdm(total=feedback, unit="rows", desc="feedback", disable=None) as bar:
            try:
                report = synthetic.synthetic_seed(
                    agencies=agencies,
                    feedback=feedback,
                    seed=opts["seed"],
                    focus=focus,
                    end_month=opts["end_month"] or _previous_month(),
                    unused_codes_ratio=opts["unused_codes_ratio"],
                    progress=bar.update,
                    log=lambda line: bar.write(f"  {line}", file=self.stdout),
                )
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        synthetic.synthetic_vacuum()
        self.stdout.write(
            f"seeded {report.agencies} agencies, {report.feedback} feedback rows, "
            f"{report.answers} answers, {report.codes} codes in {report.seconds:.0f} s"
        )
