"""Logging filter that keeps codes, tokens, client addresses and e-mail addresses out of every log.

Codes travel in link paths (`/f/<code>`) and, for some clients, in query strings; invitation,
password-reset and subscription links carry a token in their path, which signs whoever holds it in
(SECURITY.md 29). Attach `MaskCodesFilter` to every handler (a filter on a handler sees records
from all loggers; one on a logger only sees records logged to that logger directly) and to
gunicorn's access and error logs (gunicorn.conf.py).
"""

from __future__ import annotations

import ipaddress
import logging
import re

# /f/<anything up to the next separator>, in full or relative URLs, quoted or not.
_CODE_PATH = re.compile(r"(/f/)[^/\s?#\"']+", re.IGNORECASE)
_SEGMENT = r"[^/\s?#\"']+"
# Paths whose segments are a secret: the agency-admin invitation (Django's password-reset confirm
# view, uidb64 + token), any password-reset link, and the subscriber's confirm/unsubscribe links.
_TOKEN_PATHS = [
    re.compile(rf"(/admin/invitation/){_SEGMENT}/{_SEGMENT}", re.IGNORECASE),
    re.compile(rf"(/(?:password[-_]reset|reset)/){_SEGMENT}/{_SEGMENT}", re.IGNORECASE),
    re.compile(rf"(/stay-connected/(?:confirm|unsubscribe)/){_SEGMENT}", re.IGNORECASE),
]
# Query strings may carry a code (?code=...) or a token; drop them entirely.
_QUERY = re.compile(r"(?<=[^\s\"'?])\?[^\s\"']*")
# Candidates for a client address; each is checked with ipaddress before it is masked, so times
# such as 12:30:45 or version numbers are left alone. Every pattern here is linear in the length
# of the text (bounded repeats, a look-behind so a match can only start at a token's first
# character): a log line is attacker-controlled (a 100 kB path), and an unbounded pattern that
# backtracks would let one request hold a worker for minutes.
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_IPV6 = re.compile(
    r"\[[0-9A-Fa-f.:]{2,45}\]|(?<![\w.:])(?=[0-9A-Fa-f.]{0,45}:)[0-9A-Fa-f.:]{2,45}(?![\w.:])"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
# Longer values are cut before masking: no log line needs them, and it bounds the work.
MAX_LOGGED = 4_000
MASK = "[code]"
TOKEN_MASK = "[token]"  # noqa: S105 - the placeholder, not a secret
ADDRESS_MASK = "[address]"
EMAIL_MASK = "[email]"


def _address(match: re.Match[str]) -> str:
    try:
        ipaddress.ip_address(match.group(0).strip("[]"))
    except ValueError:
        return match.group(0)
    return ADDRESS_MASK


def mask(text: str, *, keep_end: bool = False) -> str:
    """Return text with codes and tokens in paths, query strings, IP and e-mail addresses masked.

    Text longer than MAX_LOGGED is cut first: its start, or its end for a traceback (`keep_end`),
    where the exception is.
    """
    if len(text) > MAX_LOGGED:
        cut = len(text) - MAX_LOGGED
        text = (
            f"[{cut} characters ...]{text[-MAX_LOGGED:]}"
            if keep_end
            else f"{text[:MAX_LOGGED]}[... {cut} more characters]"
        )
    text = _CODE_PATH.sub(r"\1" + MASK, text)
    for pattern in _TOKEN_PATHS:
        text = pattern.sub(r"\1" + TOKEN_MASK, text)
    text = _QUERY.sub("?[query]", text)
    text = _EMAIL.sub(EMAIL_MASK, text)
    if ":" in text:
        text = _IPV6.sub(_address, text)
    return _IPV4.sub(_address, text)


def _mask_value(value: object) -> object:
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, bytes):
        return mask(value.decode("utf-8", "replace"))
    if isinstance(value, (tuple, list)):  # e.g. a (host, port) peer address
        return type(value)(_mask_value(v) for v in value)
    return value


class MaskCodesFilter(logging.Filter):
    """Rewrite message, arguments and traceback so no secret or address reaches a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        elif record.msg is not None and not isinstance(record.msg, (int, float)):
            record.msg = mask(str(record.msg))  # an exception object logged as the message
        if isinstance(record.args, tuple):
            record.args = tuple(_mask_value(a) for a in record.args)
        elif isinstance(record.args, dict):
            # gunicorn's access logger passes a dict of atoms (r, U, q, f, ...)
            record.args = {k: _mask_value(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            # The formatter would render the traceback after every filter ran: render it now,
            # masked (an exception message can quote a path, an address or an e-mail).
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask(text, keep_end=True)
        elif record.exc_text:
            record.exc_text = mask(record.exc_text, keep_end=True)
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            # Django's error e-mails and django.request render the request; don't carry it.
            record.request = None
        return True
