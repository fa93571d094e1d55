"""Fault runs under load (SECURITY.md 12 and 25), bounded, on 127.0.0.1, restoring the service.

    python bench/faults.py postgres --yes   # restart PostgreSQL mid-run
    python bench/faults.py redis --yes      # stop Redis mid-run, then start it again

Both stop and restart services that other people on this machine may be using: run them briefly,
when nobody is running tests. `--yes` is required. The service is always brought back (finally).

PostgreSQL passes when: every failed request got the 503 page (never another 5xx, never a
traceback), service resumed within 5 s of the database accepting connections, and the number of
newly redeemed codes equals the number of new feedback rows (no code redeemed without feedback).
Redis passes when: pages kept rendering while Redis was down, submissions got the friendly 503
with the person's answers still on the page, and submissions succeeded again once Redis was back.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import client
from bench import harness as h
from bench.integrity import counts, redeemed, synthetic_slugs

ENTRY = "/f/{code}"
COMMENT = "Fault-test comment 7731: keep me."
RECOVERY_LIMIT = 5.0


@dataclass
class Event:
    t: float  # seconds since the run started
    kind: str  # page | submit
    outcome: str  # ok | unavailable | error | refused | no-form
    status: int
    leaks: bool
    kept_answers: bool | None = None
    code: str | None = None
    stage: str = ""  # for submissions: "post" when the POST was answered, "get" otherwise
    end: float = 0.0  # when the answer arrived


class Load:
    """Submitters and page readers in threads until stopped; every response is recorded."""

    def __init__(self, port: int, codes: list[str], pages: list[str], start: float):
        self.port, self.pages, self.start = port, pages, start
        self.codes = iter(codes)
        self.lock = threading.Lock()
        self.events: list[Event] = []
        self.stop = threading.Event()
        self.threads: list[threading.Thread] = []

    def record(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)

    def now(self) -> float:
        return time.monotonic() - self.start

    def submitter(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            with self.lock:
                code = next(self.codes, None)
            if code is None:
                return
            t = self.now()
            try:
                sub = client.submit(self.port, ENTRY.format(code=code), rng, comment=COMMENT)
            except OSError:
                self.record(Event(t, "submit", "connection", 0, False, code=code))
                time.sleep(0.05)
                continue
            last = sub.responses[-1]
            kept = None
            if sub.outcome == "unavailable" and last.body:
                kept = COMMENT in last.body
            outcome = "ok" if sub.outcome == "accepted" else sub.outcome
            leaks = any(r.leaks_internals for r in sub.responses)
            stage = "post" if sub.posted else "get"
            self.record(Event(t, "submit", outcome, sub.status, leaks, kept, code, stage))

    def reader(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            t = self.now()
            try:
                r = client.Browser(self.port).get(rng.choice(self.pages))
            except OSError:
                self.record(Event(t, "page", "connection", 0, False))
                time.sleep(0.05)
                continue
            outcome = "ok" if r.status == 200 else ("unavailable" if r.status == 503 else "error")
            self.record(Event(t, "page", outcome, r.status, r.leaks_internals, end=self.now()))

    def __enter__(self) -> Load:
        for i in range(3):
            self.threads.append(threading.Thread(target=self.submitter, args=(i,), daemon=True))
        for i in range(2):
            self.threads.append(threading.Thread(target=self.reader, args=(100 + i,), daemon=True))
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=20)


def timeline(events: list[Event], marks: dict[str, float]) -> str:
    """One line per second: outcomes of pages and submissions started in that second."""
    lines = []
    end = int(max((e.t for e in events), default=0)) + 1
    for second in range(end):
        bucket = [e for e in events if second <= e.t < second + 1]
        summary = {}
        for kind, outcome in itertools.product(("page", "submit"), ("ok", "unavailable")):
            n = sum(1 for e in bucket if e.kind == kind and e.outcome == outcome)
            if n:
                summary[f"{kind}:{outcome}"] = n
        other = [e for e in bucket if e.outcome not in ("ok", "unavailable")]
        if other:
            summary["other"] = ",".join(sorted({f"{e.kind}:{e.outcome}:{e.status}" for e in other}))
        flags = " ".join(name for name, t in marks.items() if second <= t < second + 1)
        lines.append(f"  t={second:3d}s {flags:<18} {summary}")
    return "\n".join(lines)


def first_ok_after(events: list[Event], t0: float, kind: str) -> float | None:
    oks = [e.t for e in events if e.kind == kind and e.outcome == "ok" and e.t >= t0]
    return min(oks) - t0 if oks else None


def pg_ready() -> bool:
    import psycopg

    try:
        with psycopg.connect(h.PG_ADMIN_URL, connect_timeout=1) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def pg_cluster() -> str:
    return sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]


def redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis(port=h.REDIS_PORT, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def start_redis() -> None:
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", str(h.REDIS_PORT),
         "--save", "", "--appendonly", "no"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not redis_up() and time.monotonic() < deadline:
        time.sleep(0.1)


def run(kind: str, before: float, outage: float, after: float) -> int:
    slugs = synthetic_slugs(50)
    if not slugs:
        sys.exit("no synthetic agencies: run `python bench/run.py` (or manage.py seed_scale) first")
    codes_path = h.RESULTS / f"fault-{kind}-codes.txt"
    h.manage("seed_scale", "--fresh-codes", "6000", "--codes-file", str(codes_path))
    codes = codes_path.read_text().split()
    pages = [f"/agencies/{s}/" for s in slugs[2:12]] + ["/agencies/", "/methodology/"]
    start_counts = counts()
    h.flush_redis_db()
    marks: dict[str, float] = {}
    with h.Gunicorn(h.bench_env(), name=f"fault-{kind}") as server:
        h.log("warming the caches: each page once")
        for path in pages:  # a cold national comparison takes seconds per page (performance.md)
            client.Browser(server.port, timeout=120).get(path)
        start = time.monotonic()
        with Load(server.port, codes, pages, start) as load:
            time.sleep(before)
            try:
                if kind == "postgres":
                    cluster = pg_cluster()
                    marks["restart"] = load.now()
                    h.log(f"restarting PostgreSQL {cluster}/main")
                    subprocess.run(
                        ["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart"],
                        check=True,
                    )
                    while not pg_ready():
                        time.sleep(0.05)
                    marks["back"] = load.now()
                    h.log(f"PostgreSQL accepts connections again ({marks['back']:.1f} s)")
                else:
                    marks["stop"] = load.now()
                    h.log("stopping Redis (shutdown nosave)")
                    subprocess.run(["redis-cli", "-p", str(h.REDIS_PORT), "shutdown", "nosave"],
                                   check=False, stdout=subprocess.DEVNULL)  # fmt: skip
                    time.sleep(outage)
                    marks["start"] = load.now()
                    start_redis()
                    marks["back"] = load.now()
                    h.log(f"Redis answers again ({marks['back']:.1f} s)")
            finally:
                if kind == "redis" and not redis_up():
                    start_redis()
                if kind == "postgres" and not pg_ready():
                    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", pg_cluster(),
                                    "main", "start"], check=False)  # fmt: skip
            time.sleep(after)
        events = sorted(load.events, key=lambda e: e.t)
        log_text = server.log_path.read_text()
    end_counts = counts()
    return report(kind, events, marks, start_counts, end_counts, log_text)


def report(kind, events, marks, start_counts, end_counts, log_text) -> int:  # noqa: ANN001
    print(f"\n{kind} fault run: {len(events)} requests\n" + timeline(events, marks))
    back = marks["back"]
    bad = [e for e in events if e.outcome in ("error", "connection") or e.leaks]
    accepted = [e for e in events if e.kind == "submit" and e.outcome == "ok"]
    new_rows = end_counts.feedback - start_counts.feedback
    new_redeemed = end_counts.redeemed - start_counts.redeemed
    used = [e.code for e in events if e.kind == "submit" and e.code]
    redeemed_codes = redeemed(used)
    accepted_codes = {e.code for e in accepted}
    late = [e for e in events if e.t >= back + RECOVERY_LIMIT and e.outcome != "ok"]
    checks: dict[str, bool] = {
        "no 5xx other than 503, no connection error, no traceback": not bad,
        "new feedback rows = newly redeemed codes": new_rows == new_redeemed,
        "accepted submissions = new feedback rows": len(accepted) == new_rows,
        "every accepted code is redeemed, no other code is": redeemed_codes == accepted_codes,
        f"everything succeeds from {RECOVERY_LIMIT:g} s after the service is back": not late,
    }
    if kind == "postgres":
        down = [e for e in events if marks["restart"] <= e.t < back]
        rec = first_ok_after(events, back, "submit")
        checks["requests during the outage got 503 (or succeeded), none failed otherwise"] = all(
            e.outcome in ("ok", "unavailable") for e in down
        )
        checks[f"a submission succeeded within {RECOVERY_LIMIT:g} s"] = (
            rec is not None and rec <= RECOVERY_LIMIT
        )
        shown = "none" if rec is None else f"{rec:.2f} s"
        print(f"outage window {marks['restart']:.1f}–{back:.1f} s: {len(down)} requests, "
              f"{sum(e.outcome == 'unavailable' for e in down)} got 503; "
              f"first accepted submission after it: {shown}")  # fmt: skip
    else:
        # Started at least 0.5 s after the stop and 1 s before the restart: a submission begun
        # just before the restart may POST once Redis is back, and rightly succeed.
        down = [e for e in events if marks["stop"] + 0.5 <= e.t < marks["start"] - 1]
        # Pages answered while Redis was down (a page can take seconds without any cache).
        pages = [
            e for e in events
            if e.kind == "page" and marks["stop"] + 0.5 <= e.end < marks["start"]
        ]  # fmt: skip
        subs = [e for e in down if e.kind == "submit"]
        posted = [e for e in subs if e.stage == "post"]
        checks["pages still render while Redis is down"] = bool(pages) and all(
            e.outcome == "ok" for e in pages
        )
        checks["submissions get the friendly 503 while Redis is down"] = bool(subs) and all(
            e.outcome == "unavailable" for e in subs
        )
        checks["a 503 after the POST keeps the person's answers (comment on the page)"] = bool(
            posted
        ) and all(e.kept_answers for e in posted)
        rec = first_ok_after(events, back, "submit")
        checks[f"a submission succeeded within {RECOVERY_LIMIT:g} s of Redis returning"] = (
            rec is not None and rec <= RECOVERY_LIMIT
        )
        print(f"Redis down {marks['stop']:.1f}–{marks['start']:.1f} s: {len(pages)} page views, "
              f"{len(subs)} submissions ({len(posted)} answered at the POST, "
              f"{len(subs) - len(posted)} at the GET); first accepted submission "
              f"{rec if rec is None else round(rec, 2)} s after Redis returned")  # fmt: skip
    print(f"accepted {len(accepted)}, new rows {new_rows}, newly redeemed {new_redeemed}; "
          f"server log tracebacks: {log_text.count('Traceback')}")  # fmt: skip
    for label, ok in checks.items():
        print(f"[{'PASS' if ok else 'FAIL':^6}] {label}")
    return 0 if all(checks.values()) else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("kind", choices=["postgres", "redis"])
    p.add_argument("--yes", action="store_true", help="really stop a shared service")
    p.add_argument("--before", type=float, default=6, help="seconds of load before the fault")
    p.add_argument("--outage", type=float, default=6, help="seconds Redis stays down")
    p.add_argument("--after", type=float, default=10, help="seconds of load after recovery")
    args = p.parse_args()
    if not args.yes:
        sys.exit("this stops a shared service for a few seconds; add --yes when nobody needs it")
    h.ensure_database()
    h.manage("migrate", "--noinput", "-v", "0")
    h.manage("collectstatic", "--noinput", "-v", "0")
    with contextlib.suppress(KeyboardInterrupt):
        return run(args.kind, args.before, args.outage, args.after)
    return 1


if __name__ == "__main__":
    sys.exit(main())
