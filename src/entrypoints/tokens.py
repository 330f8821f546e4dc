"""Bearer tokens: HS256 verification (the Better Auth shared-secret set-up) and dev minting."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import jwt

ALGORITHM = "HS256"


class InvalidTokenError(Exception):
    """The token is missing, malformed, badly signed, expired, not yet valid or has no `sub`."""


class TokenVerifier:
    """Checks signature, time claims and, when configured, issuer and audience."""

    def __init__(
        self, *, secret: str, issuer: str | None = None, audience: str | None = None
    ) -> None:
        self._secret = secret
        self._issuer = issuer
        self._audience = audience

    def subject(self, token: str) -> str:
        """The verified token's `sub`: the user. Raises InvalidTokenError."""
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
        return subject


def mint_token(
    secret: str, user_id: str, *, now: datetime, lifetime: timedelta = timedelta(hours=24)
) -> str:
    """A signed token for `user_id` (development and tests)."""
    claims = {"sub": user_id, "iat": now, "nbf": now, "exp": now + lifetime}
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def random_secret() -> str:
    """A fresh HS256 secret, long enough for PyJWT's key-length check."""
    return secrets.token_urlsafe(48)
