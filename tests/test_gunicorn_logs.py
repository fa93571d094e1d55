"""gunicorn's own access and error logs hold no client address and no link token (SECURITY.md 29)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PORT = 8152
NOT_INHERITED = {"DATABASE_URL", "CACHE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _get(path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_error_and_access_logs_hold_no_address_and_no_token(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{PORT}",
        WEB_CONCURRENCY="1",
        CAPTCHA_BACKEND="none",
    )
    log = tmp_path / "gunicorn.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "openpolicing.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get("/healthz") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        with socket.create_connection(("127.0.0.1", PORT), timeout=5) as sock:
            sock.sendall(
                b"NOT AN HTTP REQUEST LINE\r\n\r\n"
            )  # gunicorn: "Invalid request from ip=..."
            sock.recv(1024)
        _get("/admin/invitation/MTI/c4n4ry-t0k3n-0123456789/")
        _get("/stay-connected/confirm/c4n4ry-subscriber-t0k3n/")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    text = log.read_text(errors="replace")
    assert "Invalid request from ip=[address]" in text  # the line is written, without its address
    assert "/admin/invitation/[token]/" in text and "/stay-connected/confirm/[token]/" in text
    assert "127.0.0.1" not in text
    assert "c4n4ry" not in text
