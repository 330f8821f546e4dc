"""Who a bearer token names, whichever way the deployment proves identity.

- a JWT signed with the shared secret (HS256, `AUTH_JWT_SECRET` or `BETTER_AUTH_SECRET`);
- a JWT signed with the identity provider's keys (EdDSA, ES256, RS256, `AUTH_JWKS_URL`);
- a Better Auth session token, raw or signed (`AUTH_BETTER_AUTH_SESSIONS`).

A JWT's header says which of the first two applies (HS256 goes to the secret, the rest to the
provider's keys; one never stands in for the other), so a token signed with HS256 using the
provider's public key as the secret is refused like any other bad signature. A bearer that is
not a JWT (two dots) can only be a session token.
"""

from __future__ import annotations

import jwt

from entrypoints.jwks import JwksVerifier
from entrypoints.sessions import SessionVerifier
from entrypoints.tokens import ALGORITHM, InvalidTokenError, TokenVerifier


class Authenticator:
    """The configured verifiers, tried by the shape of the token. `subject` is async: a key
    set may need fetching, a session looking up (verified tokens are served from caches)."""

    def __init__(
        self,
        *,
        hs256: TokenVerifier | None = None,
        jwks: JwksVerifier | None = None,
        sessions: SessionVerifier | None = None,
    ) -> None:
        if hs256 is None and jwks is None and sessions is None:
            raise ValueError("an Authenticator needs at least one way to verify tokens")
        self._hs256 = hs256
        self._jwks = jwks
        self._sessions = sessions

    async def subject(self, token: str) -> str:
        """The user the token names. Raises InvalidTokenError, IdentityUnavailableError
        (JWKS unreachable) or StorageUnavailableError (session lookup)."""
        if token.count(".") != 2:  # noqa: PLR2004  (header.payload.signature)
            if self._sessions is None:
                raise InvalidTokenError("not a JWT")
            return await self._sessions.subject(token)
        if self._jwks is None:
            return self._hs256_subject(token)
        if self._hs256 is not None and _algorithm(token) == ALGORITHM:
            return self._hs256.subject(token)
        return await self._jwks.subject(token)

    def _hs256_subject(self, token: str) -> str:
        if self._hs256 is None:
            raise InvalidTokenError("no way to verify a JWT is configured")
        return self._hs256.subject(token)


def _algorithm(token: str) -> object:
    try:
        return jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError:
        return None
