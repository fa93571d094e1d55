"""Measure the open-data files in-process: time and peak memory, no HTTP in between.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/openpolicing_bench \\
        python bench/export_inprocess.py [--slug scale-00002] [--table blocks] [--format json]

Calls the real view (conditional GET included) through a RequestFactory and writes the body to a
file; rows are counted afterwards from the file. The files hold the published figures (a few rows
per release block), read from the stored releases. Read-only on the database. Peak memory is this
process's `ru_maxrss`, which includes Django itself (~60 MB).
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpolicing.settings")


def count_rows(path: Path, fmt: str) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        if fmt == "json":
            return sum(len(v) for v in json.load(handle).values() if isinstance(v, list))
        return sum(1 for _ in csv.reader(handle)) - 1  # a cut-off last row counts as one


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slug", help="one agency; default: the national file")
    parser.add_argument("--format", choices=["csv", "json"], default="csv")
    parser.add_argument("--table", default="scores", help="which CSV table (default: scores)")
    parser.add_argument(
        "--out", type=Path, default=Path(tempfile.gettempdir()) / "export_inprocess.out"
    )
    parser.add_argument("--profile", action="store_true", help="print the top cProfile entries")
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import RequestFactory

    from agencies import views_opendata

    path = f"/open-data/{args.table}.csv" if args.format == "csv" else "/open-data/figures.json"
    request = RequestFactory().get(path, HTTP_HOST="localhost")
    profiler = cProfile.Profile() if args.profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    slug = {"slug": args.slug} if args.slug else {}
    if args.format == "csv":
        response = views_opendata.table_csv(request, args.table, **slug)
    else:
        response = views_opendata.figures_json(request, **slug)
    first = time.perf_counter()
    args.out.write_bytes(response.content)
    elapsed = time.perf_counter() - start
    if profiler:
        profiler.disable()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = count_rows(args.out, args.format)
    print(
        f"{args.slug or 'national'} {args.format}: {rows:,} rows, "
        f"{args.out.stat().st_size / 1e6:.1f} MB in {elapsed:.1f} s "
        f"(body ready after {first - start:.2f} s) = {rows / elapsed:,.0f} rows/s; "
        f"peak RSS {peak_mb:.0f} MB"
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main()
