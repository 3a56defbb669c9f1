"""Keeping secrets out of text that is written down (the audit journal today; logs and error text may follow).

:class:`SecretScrubber` masks the secrets it was told about (an account's password and subscription key)
and anything shaped like a bearer token or a JWT; :func:`looks_secret` tells whether a field name looks
like it holds a secret (``password``, ``subscriptionKey``, ``api_token``...), so a record can refuse it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

__all__ = ["MASK", "SecretScrubber", "looks_secret"]

MASK = "***"
_SECRET_WORDS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "credential", "bearer")
_SECRET_PARTS = frozenset({"key", "pwd", "pass", "auth", "authorization", "cookie", "pin", "otp"})
# "Bearer <16+ token characters>" (not "a Bearer token is required") and JWTs (base64 of '{"')
_TOKENS = re.compile(r"(?i)\bbearer\s+[\w\-.~+/=]{16,}|\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*")


class SecretScrubber:
    """Replaces the secrets it was told about (and bearer tokens, JWTs) with ``***`` in any text.

    A string equal to a secret is always masked; a secret of 4 characters or more is also masked inside
    longer text, as are its URL-encoded forms. Safe to share between threads.
    """

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._exact: frozenset[str] = frozenset()
        self._inside: tuple[str, ...] = ()  # longest first, so a secret holding another is masked whole
        self._lock = threading.Lock()
        self.register(*secrets)

    def register(self, *secrets: str | None) -> None:
        """Add secrets (empty ones are ignored); readers see the old set or the new one, never half."""
        with self._lock:
            exact, inside = set(self._exact), set(self._inside)
            for secret in secrets:
                if not secret:
                    continue
                exact.add(secret)
                if len(secret) >= 4:
                    inside.update({secret, quote(secret, safe=""), quote_plus(secret)})
            self._exact, self._inside = frozenset(exact), tuple(sorted(inside, key=len, reverse=True))

    def scrub(self, text: str) -> str:
        if text in self._exact:
            return MASK
        for secret in self._inside:
            if secret in text:
                text = text.replace(secret, MASK)
        return _TOKENS.sub(MASK, text)


def looks_secret(key: str) -> bool:
    """``password``, ``subscriptionKey``, ``api_token``, ``client-secret``... (but not ``monkey``)."""
    lowered = key.lower()
    if any(word in lowered for word in _SECRET_WORDS):
        return True
    parts = re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", key).lower())
    return any(part in _SECRET_PARTS for part in parts)


