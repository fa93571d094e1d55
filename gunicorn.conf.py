"""gunicorn settings: `gunicorn -c gunicorn.conf.py openpolicing.wsgi`.

The access log keeps method, path, status and duration only: no client address, no user agent, no
query string, and feedback codes and link tokens in paths are masked (PRIVACY.md, "Logs"). The
error log goes through the same mask: gunicorn writes the client address into some of its own
messages ("Invalid request from ip=..."), and those never reach the output (SECURITY.md 29).
"""

import multiprocessing
import os
import sys

from gunicorn.glogging import Logger

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the project, for its log filter

from feedback.logfilters import MaskCodesFilter, mask  # noqa: E402 - needs the path above

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


class PrivacyLogger(Logger):
    """Access lines as `GET /path 200 12ms`; every access and error line masked."""

    def setup(self, cfg):  # noqa: ANN001,ANN201 - gunicorn's signature
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(MaskCodesFilter())

    def access(self, resp, req, environ, request_time):  # noqa: ANN001,ANN201 - gunicorn's signature
        if not self.cfg.accesslog:
            return
        path = mask(environ.get("PATH_INFO", ""))
        millis = int(request_time.total_seconds() * 1000)
        self.access_log.info(
            "%s %s %s %sms", environ.get("REQUEST_METHOD"), path, resp.status_code, millis
        )


logger_class = PrivacyLogger


def on_starting(server):  # noqa: ANN001,ANN201 - gunicorn's hook signature
    """Refuse to serve production with an e-mail backend that prints or keeps mail locally."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openpolicing.settings")
    import django
    from django.conf import settings

    django.setup()
    from feedback.checks import email_backend_errors

    errors = email_backend_errors(debug=settings.DEBUG, backend=settings.EMAIL_BACKEND)
    if errors:
        for error in errors:
            sys.stderr.write(f"{error.id}: {error.msg} {error.hint}\n")
        raise SystemExit(1)
