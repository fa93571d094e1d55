"""Logging filter that keeps feedback codes out of every log line.

Codes travel in link paths (`/f/<code>`) and, for some clients, in query strings. Attach
`MaskCodesFilter` to every handler (a filter on a handler sees records from all loggers; one on a
logger only sees records logged to that logger directly) and to gunicorn's access log.
"""

from __future__ import annotations

import logging
import re

# /f/<anything up to the next separator>, in full or relative URLs, quoted or not.
_CODE_PATH = re.compile(r"(/f/)[^/\s?#\"']+", re.IGNORECASE)
# Query strings may carry a code (?code=...) or a token; drop them entirely.
_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")
MASK = "[code]"


def mask(text: str) -> str:
    """Return text with codes in /f/ paths replaced and query strings removed."""
    return _QUERY.sub(r"\1?[query]", _CODE_PATH.sub(r"\1" + MASK, text))


def _mask_value(value: object) -> object:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, bytes):
        return mask(value.decode("utf-8", "replace"))
    return value


class MaskCodesFilter(logging.Filter):
    """Rewrite the message and its arguments so no code or query string reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_mask_value(a) for a in record.args)
        elif isinstance(record.args, dict):
            # gunicorn's access logger passes a dict of atoms (r, U, q, f, ...)
            record.args = {k: _mask_value(v) for k, v in record.args.items()}
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            # Django's error e-mails and django.request render the request; don't carry it.
            record.request = None
        return True
