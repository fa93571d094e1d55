"""gunicorn settings: `gunicorn -c gunicorn.conf.py openpolicing.wsgi`.

The access log keeps method, path, status and duration only: no client address, no user agent, no
query string, and feedback codes in /f/<code> paths are masked (PRIVACY.md, "Logs").
"""

import multiprocessing
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

_CODE_IN_PATH = re.compile(r"^/f/[^/]+", re.IGNORECASE)


class PrivacyLogger(Logger):
    """Access lines as `GET /path 200 12ms`, with codes masked."""

    def access(self, resp, req, environ, request_time):  # noqa: ANN001,ANN201 - gunicorn's signature
        if not self.cfg.accesslog:
            return
        path = _CODE_IN_PATH.sub("/f/<code>", environ.get("PATH_INFO", ""))
        millis = int(request_time.total_seconds() * 1000)
        self.access_log.info(
            "%s %s %s %sms", environ.get("REQUEST_METHOD"), path, resp.status_code, millis
        )


logger_class = PrivacyLogger
