"""Bearer tokens: HS256 verification (the Better Auth shared-secret set-up) and dev minting."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

import jwt

ALGORITHM = "HS256"
CACHE_SIZE: Final = 4096


class InvalidTokenError(Exception):
    """The token is missing, malformed, badly signed, expired, not yet valid or has no `sub`."""


class TokenVerifier:
    """Checks signature, time claims and, when configured, issuer and audience."""

    def __init__(
        self,
        *,
        secret: str,
        issuer: str | None = None,
        audience: str | None = None,
        cache_size: int = CACHE_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._cache_size = cache_size
        self._clock = clock
        # token -> (subject, expiry): a token verified once is good until it expires, so a
        # client's next requests skip the signature check. Bounded; oldest entries go first.
        self._verified: dict[str, tuple[str, float]] = {}

    def subject(self, token: str) -> str:
        """The verified token's `sub`: the user. Raises InvalidTokenError."""
        cached = self._verified.get(token)
        if cached is not None:
            if self._clock() < cached[1]:
                return cached[0]
            del self._verified[token]
        subject, expires = self._verify(token)
        if expires is not None:
            if len(self._verified) >= self._cache_size:
                del self._verified[next(iter(self._verified))]
            self._verified[token] = (subject, expires)
        return subject

    def _verify(self, token: str) -> tuple[str, float | None]:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["sub"], "verify_aud": self._audience is not None},
            )
        except jwt.PyJWTError as error:
            raise InvalidTokenError(type(error).__name__) from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.strip():
            raise InvalidTokenError("sub must be a non-empty string")
        expires = claims.get("exp")
        return subject, float(expires) if isinstance(expires, int | float) else None


def mint_token(
    secret: str, user_id: str, *, now: datetime, lifetime: timedelta = timedelta(hours=24)
) -> str:
    """A signed token for `user_id` (development and tests)."""
    claims = {"sub": user_id, "iat": now, "nbf": now, "exp": now + lifetime}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def random_secret() -> str:
    """A fresh HS256 secret, long enough for PyJWT's key-length check."""
    return secrets.token_urlsafe(48)
