"""Rate limits hold across gunicorn workers because the counters live in Redis (SECURITY.md 9).

A real gunicorn with 2 workers and a private redis-server on 127.0.0.1 serve the app; requests are
sent concurrently so both workers answer. The negative control runs the same scenario with a
per-process local-memory cache and shows the limit is then *not* held, so this test can fail.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from feedback.codes import ALPHABET, format_code

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
LIMIT = 10
REQUESTS = 30
CANARY_IP = "203.0.113.199"
CANARY_UA = "CanaryBrowser/9.9 (canary-7f3e)"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError("server did not come up")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> str:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is required (apt-get install redis-server); bin/test installs it")
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def ping() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")

    try:
        wait_for(ping, timeout=10)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'db.sqlite3'}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=os.environ | {"DATABASE_URL": url, "DEBUG": "true"},
        check=True,
        timeout=300,
    )
    return url


class Server:
    def __init__(self, *, database_url: str, cache_url: str, log: Path) -> None:
        self.port = free_port()
        self.log = log
        env = os.environ | {
            "DATABASE_URL": database_url,
            "CACHE_URL": cache_url,
            "DEBUG": "true",
            "CAPTCHA_BACKEND": "none",
            "FEEDBACK_RATE_CLIENT": f"{LIMIT}/h",
            "FEEDBACK_RATE_CODE": "1000/h",
            "TRUSTED_PROXY_COUNT": "1",
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
        }
        # The project's own gunicorn.conf.py: its access log is the one production writes.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "openpolicing.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: self.get("/healthz")[0] == 200)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, str]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stop(self) -> str:
        self.proc.terminate()
        self.proc.wait(timeout=20)
        return self.log.read_text(errors="replace")


def redis_clients(redis_url: str) -> int:
    """How many connections Redis sees (each gunicorn worker that counted opened its own)."""
    host_port = redis_url.split("//")[1].split("/")[0]
    host, port = host_port.split(":")
    with socket.create_connection((host, int(port)), timeout=2) as sock:
        sock.sendall(b"CLIENT LIST\r\n")
        data = b""
        while b"\r\n" not in data:
            data += sock.recv(65536)
        header, _, data = data.partition(b"\r\n")
        length = int(header[1:])
        while len(data) < length:
            data += sock.recv(65536)
    return data.count(b"id=") - 1  # minus this connection


def hammer(server: Server) -> tuple[list[int], Server]:
    """Try REQUESTS different codes from one client, 4 at a time; return the statuses."""
    codes = [
        format_code("".join(ALPHABET[(n * 7 + i) % 32] for i in range(13))) for n in range(REQUESTS)
    ]
    headers = {"User-Agent": CANARY_UA, "X-Forwarded-For": CANARY_IP}
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda c: server.get(f"/f/{c}", headers)[0], codes))
    return statuses, server


def test_limit_holds_across_two_gunicorn_workers_with_redis(
    tmp_path, database_url, redis_url
) -> None:
    server = Server(database_url=database_url, cache_url=redis_url, log=tmp_path / "gunicorn.log")
    statuses, server = hammer(server)
    workers_counting = redis_clients(redis_url)
    logs = server.stop()
    assert workers_counting >= 2, "only one worker counted: the test would prove nothing"
    assert statuses.count(404) == LIMIT, statuses  # unknown codes, until the limit
    assert statuses.count(429) == REQUESTS - LIMIT, statuses
    # The server's own access log never holds the client's address, user agent or a code.
    assert CANARY_IP not in logs and CANARY_UA not in logs and "canary" not in logs.lower()
    assert "/f/" in logs and not re.search(r"/f/[0-9A-Z]{4}-", logs)


def test_negative_control_per_process_cache_lets_the_limit_be_exceeded(
    tmp_path, database_url
) -> None:
    server = Server(
        database_url=database_url, cache_url="locmemcache://per-process", log=tmp_path / "g.log"
    )
    statuses, server = hammer(server)
    server.stop()
    # Each worker counts on its own, so more requests get through than the limit allows: the
    # Redis test above would fail with this configuration.
    assert statuses.count(404) > LIMIT, statuses
