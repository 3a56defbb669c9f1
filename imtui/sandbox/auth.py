"""Authentication: ``POST /token`` (Basic + subscription key + marketplace) and the bearer check on every
other call. Tokens are JWT-like (HS384 over a per-seed secret) and expire on the sandbox clock."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .wire import ApiError, SandboxResponse, b64url, json_response

if TYPE_CHECKING:  # pragma: no cover
    from .app import Sandbox
    from .model import AccountState


@dataclass
class _Token:
    account: str
    expires_at: datetime


class Tokens:
    """Issued tokens of one sandbox (called under the sandbox lock)."""

    def __init__(self, sb: "Sandbox") -> None:
        self.sb = sb
        self._tokens: dict[str, _Token] = {}
        self._counter = 0
        self._secret = hashlib.sha256(f"imtui-sandbox-secret:{sb.seed}".encode()).digest()

    def expire_all(self, now: datetime) -> None:
        for tok in self._tokens.values():
            tok.expires_at = min(tok.expires_at, now)

    def issue(self, h: dict, body: bytes, region: str | None, now: datetime, corr: str) -> SandboxResponse:
        """``POST /token``: the account whose username, password, key and marketplace all match."""
        sb = self.sb
        key = h.get("x-subscription-key", "")
        user, password = _basic(h.get("authorization", ""))
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            raise ApiError(400, "Malformed JSON request body") from None
        marketplace = payload.get("marketplace") if isinstance(payload, dict) else None
        for acc in sb.accounts:
            if (acc.username == user and acc.password == password and acc.subscription_key == key
                    and acc.marketplace == marketplace and (region is None or acc.region in (None, region))):
                break
        else:
            if not any(a.subscription_key == key for a in sb.accounts):
                raise ApiError(401, "Access denied due to invalid subscription key. Make sure to provide a valid "
                                    "key for an active subscription.")
            raise ApiError(401, "Unauthorized: bad credentials or marketplace")
        sb.state.account(acc.name)  # build its data now
        self._counter += 1
        ttl = sb.token_ttl
        iat = int(now.timestamp())
        header = b64url(json.dumps({"alg": "HS384", "typ": "JWT"}, separators=(",", ":")).encode())
        claims = b64url(json.dumps({"sub": acc.username, "marketplace": acc.marketplace, "resellerId": acc.reseller_id,
                                    "iat": iat, "exp": iat + ttl, "jti": self._counter},
                                   separators=(",", ":")).encode())
        sig = b64url(hmac.new(self._secret, f"{header}.{claims}".encode(), hashlib.sha384).digest())
        token = f"{header}.{claims}.{sig}"
        self._tokens[token] = _Token(acc.name, now + timedelta(seconds=ttl))
        return json_response(200, {"token": token, "expiresInSeconds": ttl}, corr)

    def authenticate(self, h: dict, region: str | None, now: datetime) -> "AccountState":
        """The account state a bearer call may see, or 401."""
        sb = self.sb
        key = h.get("x-subscription-key", "")
        if not key or not any(a.subscription_key == key for a in sb.accounts):
            raise ApiError(401, "Access denied due to missing or invalid subscription key. Make sure to include the "
                                "X-Subscription-Key header with a valid key.")
        auth = h.get("authorization", "")
        if auth[:7].lower() != "bearer ":
            raise ApiError(401, "Unauthorized: a Bearer token is required")
        tok = self._tokens.get(auth[7:].strip())
        if tok is None:
            raise ApiError(401, "Unauthorized: invalid token")
        if now >= tok.expires_at:
            raise ApiError(401, "Unauthorized: the token has expired")
        acc = sb.account(tok.account)
        if acc.subscription_key != key:
            raise ApiError(401, "Unauthorized: the token was not issued for this subscription key")
        if region is not None and acc.region is not None and acc.region != region:
            raise ApiError(401, f"Unauthorized: the token is not valid for marketplace region '{region}'")
        return sb.state.account(acc.name)


def _basic(auth: str) -> tuple[str | None, str | None]:
    if auth[:6].lower() != "basic ":
        return None, None
    try:
        user, _, password = base64.b64decode(auth[6:].strip()).decode("utf-8").partition(":")
    except Exception:
        return None, None
    return user, password
