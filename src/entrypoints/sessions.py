"""Better Auth session tokens, for front ends that use Better Auth without its JWT plugin.

What Better Auth sends (confirmed in its source, better-auth `plugins/bearer` and better-call
`crypto.ts`): the session token is a random id (32 letters and digits by default) stored in
the `token` column of its `session` table (`id`, `token` UNIQUE, `userId`, `expiresAt`, ...).
The session cookie holds the *signed* value: `encodeURIComponent(token + "." + signature)`,
where the signature is HMAC-SHA256 of the token keyed with BETTER_AUTH_SECRET, in standard
base64 (44 characters, one `=` of padding). Its bearer plugin accepts the signed value (it
strips the `=` and also decodes base64url) or, unless `requireSignature`, the raw token.

So a bearer is taken as: percent-decoded; with a `.`, a signed value whose signature (base64
or base64url, padded or not) must match before anything is looked up; without one, a raw
token. Then one indexed lookup (`WHERE token = ?`) gives the user and the expiry; a found,
unexpired session is cached for `cache_seconds` (never past its expiry), so a revoked
session may still be honoured that long.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Final, Protocol
from urllib.parse import unquote

from entrypoints.tokens import CACHE_SIZE, InvalidTokenError, VerifiedCache

CACHE_SECONDS: Final = 30.0
_TOKEN: Final = re.compile(r"^[A-Za-z0-9_\-]{8,255}$")
_DIGEST_BYTES: Final = 32


class SessionLookup(Protocol):
    """Better Auth's `session` table."""

    async def find(self, token: str) -> tuple[str, datetime] | None:
        """The session's user id and expiry (aware UTC), or None."""
        ...


def session_token(bearer: str, secret: str | None) -> str:
    """The session token a bearer carries, its signature checked when it is signed.
    Raises InvalidTokenError."""
    value = unquote(bearer)
    token, dot, signature = value.rpartition(".")
    if not dot:
        token = value
    elif secret is None or not _signed_by(secret, token, signature):
        raise InvalidTokenError("bad session signature")
    if not _TOKEN.match(token):
        raise InvalidTokenError("not a session token")
    return token


def sign(token: str, secret: str) -> str:
    """`<token>.<signature>` as Better Auth signs its session cookie (before URL-encoding)."""
    digest = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    return f"{token}.{base64.b64encode(digest).decode()}"


def _signed_by(secret: str, token: str, signature: str) -> bool:
    standard = signature.replace("-", "+").replace("_", "/").rstrip("=")
    try:
        given = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode(), token.encode(), hashlib.sha256).digest()
    return len(given) == _DIGEST_BYTES and hmac.compare_digest(given, expected)


class SessionVerifier:
    """Bearer session tokens to users, through `lookup`, with a short cache."""

    def __init__(
        self,
        lookup: SessionLookup,
        *,
        secret: str | None,
        cache_seconds: float = CACHE_SECONDS,
        cache_size: int = CACHE_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._lookup = lookup
        self._secret = secret
        self._cache_seconds = cache_seconds
        self._verified = VerifiedCache(size=cache_size, clock=clock)

    async def subject(self, bearer: str) -> str:
        """The session's user. Raises InvalidTokenError (bad signature, unknown or expired
        session) or StorageUnavailableError."""
        cached = self._verified.get(bearer)
        if cached is not None:
            return cached
        found = await self._lookup.find(session_token(bearer, self._secret))
        now = self._verified.clock()
        if found is None:
            raise InvalidTokenError("unknown session")
        user_id, expires_at = found
        expires = expires_at.timestamp()
        if expires <= now or not user_id:
            raise InvalidTokenError("expired session")
        self._verified.put(bearer, user_id, min(expires, now + self._cache_seconds))
        return user_id
