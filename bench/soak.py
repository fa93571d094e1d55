"""A few minutes of mixed traffic (pages + complete submissions) against gunicorn on 127.0.0.1.

Passes when there is no 5xx, every accepted POST made exactly one new feedback row and redeemed
exactly one code, and the rollups maintained during the run equal a recomputation afterwards.
Usage: python bench/soak.py [--minutes 3] (needs the bench database: run bench/run.py once).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import harness as h
from bench.integrity import compare_rollups, counts, snapshot_rollups, synthetic_slugs

ENTRY = "/f/{code}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=3)
    p.add_argument("--connections", type=int, default=8)
    p.add_argument("--get-share", type=float, default=0.7, help="share of page views")
    args = p.parse_args()
    seconds = int(args.minutes * 60)

    h.ensure_wrk()
    h.manage("migrate", "--noinput", "-v", "0")
    h.manage("collectstatic", "--noinput", "-v", "0")
    slugs = synthetic_slugs(200)
    if not slugs:
        sys.exit("no synthetic agencies: run `python bench/run.py` (or manage.py seed_scale) first")
    codes = h.RESULTS / "soak-codes.txt"
    h.manage("seed_scale", "--fresh-codes", str(seconds * 150 + 1000), "--codes-file", str(codes))
    pages = ["/agencies/", "/methodology/", "/healthz"] + [f"/agencies/{s}/" for s in slugs]
    before = counts()
    h.flush_redis_db()
    with h.Gunicorn(h.bench_env(), name="soak") as server:
        h.log(f"soak: {seconds} s of mixed traffic, {args.connections} connections")
        result = h.run_wrk(
            "soak", server.url + "/", script="submit.lua", threads=args.connections,
            connections=args.connections, seconds=seconds,
            env={"BENCH_CODES": str(codes), "BENCH_ENTRY": ENTRY,
                 "BENCH_MIX_PATHS": ",".join(pages), "BENCH_MIX_GET_SHARE": str(args.get_share),
                 # No submission starts in the last 5 s: none is cut off, so counts must match.
                 "BENCH_SUBMIT_UNTIL": str(int(time.time()) + seconds - 5)},
        )  # fmt: skip
        log_text = server.log_path.read_text()
    after = counts()
    new_rows = after.feedback - before.feedback
    new_redeemed = after.redeemed - before.redeemed
    accepted = int(result.extra["posts_ok"])
    h.log("recomputing rollups to compare")
    maintained = snapshot_rollups()
    h.manage("shell", "-c", "from feedback.rollups import rollups_rebuild; rollups_rebuild()")
    recomputed = snapshot_rollups()
    diff = compare_rollups(maintained, recomputed)

    checks = {
        "no 5xx responses": result.errors_5xx == 0,
        "no socket errors or timeouts": result.socket_errors == 0,
        "no traceback or worker timeout in the server log": "Traceback" not in log_text
        and "WORKER TIMEOUT" not in log_text,
        "accepted POSTs = new feedback rows": accepted == new_rows,
        "new feedback rows = newly redeemed codes": new_rows == new_redeemed,
        "rollups maintained in the run = recomputation": not diff,
        "some submissions were made": accepted > 0,
    }
    print(
        f"\nsoak: {result.requests} requests in {result.seconds:.0f} s ({result.rps:.0f}/s), "
        f"p50 {result.p50_ms:.1f} ms, p99 {result.p99_ms:.1f} ms, status {result.status}, "
        f"socket errors {result.socket_errors}\n"
        f"accepted POSTs {accepted}, refused {int(result.extra['posts_refused'])}, "
        f"503 {int(result.extra['posts_unavailable'])}, new rows {new_rows}, "
        f"newly redeemed codes {new_redeemed}, codes exhausted "
        f"{int(result.extra['codes_exhausted'])}"
    )
    for line in diff[:10]:
        print("  rollup difference:", line)
    for label, ok in checks.items():
        print(f"[{'PASS' if ok else 'FAIL':^6}] {label}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
