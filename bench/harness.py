"""Shared plumbing for the bench, soak and fault scripts: services, gunicorn, wrk, the machine.

Everything runs on 127.0.0.1 against a dedicated database (`openpolicing_bench`) and Redis DB 6,
so other people's test databases and cache entries are never touched.
"""

from __future__ import annotations

import contextlib
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench.report import Result, parse_wrk

PROJECT = Path(__file__).resolve().parents[1]
LUA = PROJECT / "bench" / "lua"
RESULTS = PROJECT / "bench" / "results"
PYTHON = sys.executable

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_DB_NAME", "openpolicing_bench")
REDIS_PORT = 6379
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "6"))
# Seeding and the servers must share the code key, or fresh codes would not be recognised.
WRK_TIMEOUT_S = 10
CODE_KEY = "bench-only-feedback-code-key-never-use-in-production"
# A fresh random key per run: the benchmark never runs with a key that lives in a file.
SECRET = secrets.token_urlsafe(50)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def cores() -> int:
    return len(os.sched_getaffinity(0))


def bench_env(**overrides: str) -> dict[str, str]:
    """The production-like environment the servers and management commands run with."""
    env = dict(os.environ)
    env.update(
        DEBUG="false",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME,
        CACHE_URL=f"redis://127.0.0.1:{REDIS_PORT}/{REDIS_DB}",
        CACHE_KEY_PREFIX="bench",
        FEEDBACK_CODE_KEY=CODE_KEY,
        SECURE_SSL_REDIRECT="false",
        EMAIL_URL="smtp://127.0.0.1:25",  # production refuses the console backend
        CAPTCHA_BACKEND="none",  # "test mode": no third party on a loopback benchmark
        # Every request comes from 127.0.0.1: lift the per-client and per-agency ceilings (the
        # counters still run in Redis, so their cost is measured) and the human minimum delay.
        FEEDBACK_RATE_CLIENT="10000000/h",
        FEEDBACK_RATE_AGENCY="10000000/h",
        FEEDBACK_MIN_SECONDS="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def ensure_wrk() -> str:
    """Find wrk; on Debian install the `wrk` package when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if Path("/etc/debian_version").exists() and os.geteuid() == 0:
        log("wrk missing: apt-get install -y wrk")
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is required: apt-get install wrk (Debian) or build it from github.com/wg/wrk")
    return found


def ensure_database() -> bool:
    """Create the bench database if needed; return True when it was created."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    return not exists


def recreate_database() -> None:
    """Drop and create the dedicated bench database (never any other)."""
    import psycopg

    if not DB_NAME.startswith("openpolicing_bench"):
        raise SystemExit(f"refusing to drop {DB_NAME!r}: bench databases start openpolicing_bench")
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def bench_sql(sql: str, params: list | None = None) -> list[tuple]:
    """Run one statement on the bench database (used for bookkeeping and integrity checks)."""
    import psycopg

    with psycopg.connect(bench_env()["DATABASE_URL"], autocommit=True) as conn:
        cur = conn.execute(sql, params or [])
        return cur.fetchall() if cur.description else []


def flush_redis_db() -> None:
    import redis

    redis.Redis(host="127.0.0.1", port=REDIS_PORT, db=REDIS_DB).flushdb()


def manage(*args: str, env: dict[str, str] | None = None, capture: bool = False) -> str:
    proc = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=PROJECT,
        env=env or bench_env(),
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
    )
    return proc.stdout or ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """A gunicorn on 127.0.0.1 with workers = cores, stopped when the `with` block ends."""

    def __init__(self, env: dict[str, str], *, workers: int | None = None, name: str = "app"):
        self.env = env
        self.workers = workers or cores()
        self.port = free_port()
        self.name = name
        self.proc: subprocess.Popen | None = None
        RESULTS.mkdir(parents=True, exist_ok=True)
        self.log_path = RESULTS / f"gunicorn-{name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Gunicorn:
        cmd = [
            PYTHON, "-m", "gunicorn", "openpolicing.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--worker-class", os.environ.get("BENCH_WORKER_CLASS", "gthread"),
            "--threads", os.environ.get("BENCH_THREADS_PER_WORKER", "4"),
            "--keep-alive", "5",
            "--timeout", "120",
            "--graceful-timeout", "5",
        ]  # fmt: skip
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 (closed in __exit__)
        self.proc = subprocess.Popen(
            cmd, cwd=PROJECT, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT
        )
        self.wait_ready()
        log(f"gunicorn '{self.name}' on {self.url}: pid {self.proc.pid}, {self.workers} workers")
        return self

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(self.url + "/healthz", timeout=2) as r,
            ):
                if r.status == 200 and len(self.worker_pids()) == self.workers:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz in {timeout}s; see {self.log_path}")

    def drain(self, limit: float = 120) -> float:
        """Wait until requests left queued by a finished load run are done (so the next scenario
        starts on an idle server): /healthz must answer within 50 ms. Return the seconds waited."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            t = time.monotonic()
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(self.url + "/healthz", timeout=limit) as r,
            ):
                r.read()
            if time.monotonic() - t < 0.05:
                break
            time.sleep(0.2)
        return time.monotonic() - start

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        try:
            return [int(p) for p in children.read_text().split()]
        except OSError:
            return []

    def worker_peak_rss_mb(self) -> float:
        """Largest VmHWM (peak resident set) among the workers, in MB."""
        peaks = []
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks.append(int(line.split()[1]) / 1024)
        return max(peaks, default=0.0)

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()


def run_wrk(
    name: str,
    url: str,
    *,
    script: str = "get.lua",
    connections: int = 16,
    threads: int = 2,
    seconds: int = 10,
    env: dict[str, str] | None = None,
) -> Result:
    """Drive `url` with wrk and the given Lua script; return the parsed result."""
    cmd = [
        ensure_wrk(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
        "--timeout", f"{WRK_TIMEOUT_S}s", "-s", str(LUA / script), url,
    ]  # fmt: skip
    wrk_env = dict(os.environ, BENCH_LUA_DIR=str(LUA), BENCH_THREADS=str(threads), **(env or {}))
    proc = subprocess.run(cmd, env=wrk_env, text=True, capture_output=True, check=True)
    return parse_wrk(name, proc.stdout)


@contextlib.contextmanager
def timed() -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = 0.0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = int(line.split()[1]) / 1024 / 1024
    pg = "?"
    with contextlib.suppress(Exception):
        pg = bench_sql("SHOW server_version")[0][0]
    rd = "?"
    with contextlib.suppress(Exception):
        import redis

        rd = redis.Redis(port=REDIS_PORT).info("server")["redis_version"]
    import django

    return (
        f"{cpu}, {cores()} cores, {mem_gb:.0f} GB RAM, Linux {platform.release()}; "
        f"Python {platform.python_version()}, Django {django.get_version()}, "
        f"PostgreSQL {pg}, Redis {rd}; gunicorn {cores()} workers "
        f"({os.environ.get('BENCH_WORKER_CLASS', 'gthread')}); wrk on the same machine"
    )
