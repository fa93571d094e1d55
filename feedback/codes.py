"""Feedback codes: generation, normalisation of what people type, and keyed digests.

A code is 13 Crockford base32 characters (65 bits from `secrets`), printed in groups as
XXXX-XXXX-XXXX-X. Only an HMAC of the normalised code is ever stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_LENGTH = 13  # 13 × 5 bits = 65 bits of entropy
GROUP = 4
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# What people put between groups, and what copying from a text message or a document adds:
# no-break and zero-width spaces, and the hyphens and dashes that word processors substitute.
_SEPARATORS = str.maketrans(
    "", "", " -_.\t\r\n\u00a0\u2007\u202f\u200b\u2010\u2011\u2012\u2013\u2014\u2212"
)


def generate_code() -> str:
    """Return a new random code, grouped for printing."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return format_code(raw)


def format_code(code: str) -> str:
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalize_code(raw: str) -> str | None:
    """Return the canonical 13-character code, or None when the input cannot be one."""
    if not raw or len(raw) > 64:
        return None
    code = raw.upper().translate(_SEPARATORS).translate(_LOOKALIKES)
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def code_digest(code: str) -> str:
    """Return the hex HMAC-SHA256 of a normalised code under FEEDBACK_CODE_KEY."""
    return hmac.new(settings.FEEDBACK_CODE_KEY, code.encode(), hashlib.sha256).hexdigest()
