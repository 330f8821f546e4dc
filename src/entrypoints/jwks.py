"""JWTs signed with an identity provider's keys (EdDSA, ES256, RS256), from its JWKS URL.

Better Auth's JWT plugin, as set up by default, serves Ed25519 keys at `/api/auth/jwks` and
signs tokens `{"alg": "EdDSA", "kid": <key id>}` whose claims are the user's fields plus
`sub` (the user id), `iat`, `exp` (15 minutes on), and `iss` and `aud` (both the app's base
URL unless configured).

Keys are fetched with httpx's async client (the event loop never blocks on the provider) and
kept for `lifetime` seconds. A token naming a key not in the set makes the set be fetched
again (a rotation at the provider is picked up at once), but never more often than once per
`refetch_interval` seconds, however many unknown kids arrive, and concurrent misses share one
fetch. When a fetch fails, the keys already known stay in use.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any, Final

import httpx
import jwt

from entrypoints.tokens import (
    CACHE_SIZE,
    InvalidTokenError,
    VerifiedCache,
    decode_claims,
    subject_of,
)

log = logging.getLogger(__name__)

ASYMMETRIC: Final = frozenset({"EdDSA", "ES256", "RS256"})
KEYS_LIFETIME: Final = 600.0  # seconds a fetched key set is trusted before it is fetched again
REFETCH_INTERVAL: Final = 30.0  # at most one fetch this often, whatever the kids asked for
FETCH_TIMEOUT: Final = 5.0

Fetch = Callable[[str], Awaitable[Any]]


class IdentityUnavailableError(Exception):
    """The identity provider's keys cannot be had (never fetched, provider down): 503."""


async def fetch_json(url: str) -> Any:
    """GET `url` as JSON, without blocking the event loop. Raises httpx.HTTPError."""
    async with httpx.AsyncClient(timeout=FETCH_TIMEOUT, follow_redirects=False) as client:
        response = await client.get(url, headers={"Accept": "application/json"})
        response.raise_for_status()
        return response.json()


def parse_key_set(document: Any) -> dict[str, jwt.PyJWK]:
    """The usable signing keys of a JWKS document, by kid (an absent kid is ""). Symmetric
    (`oct`) keys and encryption keys are left out: they must never verify a token here."""
    keys: dict[str, jwt.PyJWK] = {}
    members = document.get("keys") if isinstance(document, dict) else None
    for member in members if isinstance(members, list) else []:
        if not isinstance(member, dict) or member.get("kty") == "oct":
            continue
        if member.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(member)
        except jwt.PyJWTError:
            continue
        keys[str(member.get("kid", ""))] = key
    return keys


class JwksKeys:
    """The provider's public keys, cached, refetched on expiry or on an unknown kid."""

    def __init__(
        self,
        url: str,
        *,
        fetch: Fetch = fetch_json,
        lifetime: float = KEYS_LIFETIME,
        refetch_interval: float = REFETCH_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._fetch = fetch
        self._lifetime = lifetime
        self._refetch_interval = refetch_interval
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._fetched_at = 0.0  # when the keys were last fetched
        self._tried_at: float | None = None  # when a fetch was last tried
        self._lock = asyncio.Lock()
        self.fetches = 0

    async def key(self, kid: str | None) -> jwt.PyJWK | None:
        """The key `kid` names (the only key, for a token without kid), or None. Raises
        IdentityUnavailableError when no key set could be fetched yet."""
        if self._keys is None or self._clock() - self._fetched_at >= self._lifetime:
            await self._refresh()
        found = self._find(kid)
        if found is None and self._keys is not None:
            await self._refresh()
            found = self._find(kid)
        if self._keys is None:
            raise IdentityUnavailableError("the identity provider's keys are unavailable")
        return found

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        keys = self._keys or {}
        if kid is None and len(keys) == 1:
            return next(iter(keys.values()))
        return keys.get(kid or "")

    def _may_refetch(self) -> bool:
        return self._tried_at is None or self._clock() - self._tried_at >= self._refetch_interval

    async def _refresh(self) -> None:
        """Fetch the set again, unless one was tried less than `refetch_interval` ago. One
        fetch at a time: a caller that waited for another's uses its result."""
        tried_before = self._tried_at
        async with self._lock:
            if self._tried_at != tried_before or not self._may_refetch():
                return
            self._tried_at = self._clock()
            self.fetches += 1
            try:
                keys = parse_key_set(await self._fetch(self._url))
            except (httpx.HTTPError, ValueError) as error:
                log.warning("JWKS fetch failed: %s", type(error).__name__)
                return
            if keys:
                self._keys, self._fetched_at = keys, self._tried_at
            else:
                log.warning("JWKS fetch gave no usable signing key")


class JwksVerifier:
    """Checks a JWT against the provider's keys: an accepted algorithm that is the key's own,
    the signature, `exp` (required), `nbf`, `iat`, and issuer and audience when configured,
    with leeway for clock skew. Verified tokens are cached until they expire."""

    def __init__(
        self,
        keys: JwksKeys,
        *,
        algorithms: Collection[str] = ASYMMETRIC,
        issuer: str | None = None,
        audience: str | None = None,
        cache_size: int = CACHE_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._keys = keys
        self._algorithms = frozenset(algorithms) & ASYMMETRIC
        self._issuer = issuer
        self._audience = audience
        self._verified = VerifiedCache(size=cache_size, clock=clock)

    async def subject(self, token: str) -> str:
        """The verified token's `sub`. Raises InvalidTokenError, IdentityUnavailableError."""
        cached = self._verified.get(token)
        if cached is not None:
            return cached
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidTokenError("malformed token") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in self._algorithms:
            raise InvalidTokenError("algorithm not accepted")
        key = await self._keys.key(kid if isinstance(kid, str) else None)
        if key is None or key.algorithm_name != algorithm:
            raise InvalidTokenError("no such key")
        subject, expires = subject_of(self._claims(token, key, algorithm))
        self._verified.put(token, subject, expires)
        return subject

    def _claims(self, token: str, key: jwt.PyJWK, algorithm: str) -> dict[str, Any]:
        return decode_claims(token, key, algorithm, self._issuer, self._audience)
