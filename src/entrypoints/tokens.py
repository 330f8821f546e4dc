"""Bearer tokens: HS256 verification (the Better Auth shared-secret set-up), the cache of
verified tokens every verifier shares, and development minting."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

import jwt

ALGORITHM = "HS256"
CACHE_SIZE: Final = 4096
LEEWAY_SECONDS: Final = 30  # clock skew allowed on exp, nbf and iat
REQUIRED_CLAIMS: Final = ["exp", "sub"]


class InvalidTokenError(Exception):
    """The token is missing, malformed, badly signed, expired, not yet valid, or has no
    `exp` or `sub`."""


class VerifiedCache:
    """token -> (subject, until): a token verified once is trusted until `until` (its expiry),
    so a client's next requests skip the check. Bounded; the oldest entries go first."""

    def __init__(self, *, size: int = CACHE_SIZE, clock: Callable[[], float] = time.time) -> None:
        self._size = size
        self.clock = clock
        self._entries: dict[str, tuple[str, float]] = {}

    def get(self, token: str) -> str | None:
        found = self._entries.get(token)
        if found is None:
            return None
        if self.clock() < found[1]:
            return found[0]
        del self._entries[token]
        return None

    def put(self, token: str, subject: str, until: float) -> None:
        if len(self._entries) >= self._size:
            del self._entries[next(iter(self._entries))]
        self._entries[token] = (subject, until)


def subject_of(claims: Mapping[str, Any]) -> tuple[str, float]:
    """The verified claims' `sub` and `exp`. Raises InvalidTokenError."""
    subject, expires = claims.get("sub"), claims.get("exp")
    if not isinstance(subject, str) or not subject.strip():
        raise InvalidTokenError("sub must be a non-empty string")
    if not isinstance(expires, int | float):
        raise InvalidTokenError("exp must be a number")
    return subject, float(expires)


class TokenVerifier:
    """HS256 with the shared secret: checks the signature, `exp` (required), `nbf`, `iat`
    and, when configured, issuer and audience, with leeway for clock skew."""

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
        self._verified = VerifiedCache(size=cache_size, clock=clock)

    def subject(self, token: str) -> str:
        """The verified token's `sub`: the user. Raises InvalidTokenError."""
        cached = self._verified.get(token)
        if cached is not None:
            return cached
        subject, expires = self._verify(token)
        if expires is not None:
            self._verified.put(token, subject, expires)
        return subject

    def _verify(self, token: str) -> tuple[str, float | None]:
        claims = decode_claims(token, self._secret, ALGORITHM, self._issuer, self._audience)
        return subject_of(claims)


def decode_claims(
    token: str, key: Any, algorithm: str, issuer: str | None, audience: str | None
) -> dict[str, Any]:
    """The token's claims once its signature (by `key`, with `algorithm` only), time claims
    (with leeway), required claims and, when configured, issuer and audience check out.
    Raises InvalidTokenError. The one place both verifiers (shared secret, JWKS) decode."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            issuer=issuer,
            audience=audience,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED_CLAIMS, "verify_aud": audience is not None},
        )
    except jwt.PyJWTError as error:
        raise InvalidTokenError(type(error).__name__) from None
    return claims


def mint_token(
    secret: str, user_id: str, *, now: datetime, lifetime: timedelta = timedelta(hours=24)
) -> str:
    """A signed token for `user_id` (development and tests)."""
    claims = {"sub": user_id, "iat": now, "nbf": now, "exp": now + lifetime}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def random_secret() -> str:
    """A fresh HS256 secret, long enough for PyJWT's key-length check."""
    return secrets.token_urlsafe(48)
