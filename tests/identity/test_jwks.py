"""JWTs from an identity provider's JWKS: EdDSA, ES256 and RS256 accepted; every forgery,
wrong claim and missing claim refused; keys cached, rotation picked up, fetches bounded."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from entrypoints.jwks import IdentityUnavailableError, JwksKeys, JwksVerifier
from entrypoints.tokens import InvalidTokenError
from tests.identity_provider import BASE_URL, JwksServer, SigningKey, better_auth_claims, make_key

KEYS = {alg: make_key(alg, f"kid-{alg}") for alg in ("EdDSA", "ES256", "RS256")}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def provider() -> Iterator[JwksServer]:
    with JwksServer(keys=list(KEYS.values())) as server:
        yield server


def verifier_for(server: JwksServer, clock: Clock | None = None) -> JwksVerifier:
    keys = JwksKeys(server.url, clock=clock or time.monotonic)
    return JwksVerifier(keys, issuer=BASE_URL, audience=BASE_URL)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with(secret: bytes, kid: str, claims: dict[str, Any]) -> str:
    """A token signed with HS256, using `secret` (say, the provider's public key) as the key."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64(signature)}"


def unsigned(kid: str, claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "none", "kid": kid}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


class TestAccepted:
    @pytest.mark.parametrize("alg", sorted(KEYS))
    async def test_a_token_signed_with_a_published_key_names_its_user(
        self, provider: JwksServer, alg: str
    ) -> None:
        token = KEYS[alg].token(better_auth_claims("ada"))

        assert await verifier_for(provider).subject(token) == "ada"

    async def test_the_keys_are_fetched_once_for_many_tokens(self, provider: JwksServer) -> None:
        verifier = verifier_for(provider)
        for alg, key in KEYS.items():
            await verifier.subject(key.token(better_auth_claims(f"user-{alg}")))

        assert provider.fetches == 1

    async def test_clock_skew_within_the_leeway_is_tolerated(self, provider: JwksServer) -> None:
        now = time.time()
        token = KEYS["EdDSA"].token(better_auth_claims("ada", now=now + 20, exp=int(now) - 10))

        assert await verifier_for(provider).subject(token) == "ada"


def public_pem(key: SigningKey) -> bytes:
    public = key.private.public_key()
    return bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


REFUSED = {
    "alg none": lambda: unsigned("kid-EdDSA", better_auth_claims("ada")),
    "HS256 signed with the public key (PEM)": lambda: hs256_with(
        public_pem(KEYS["RS256"]), "kid-RS256", better_auth_claims("ada")
    ),
    "HS256 signed with the public key (JWK x)": lambda: hs256_with(
        KEYS["EdDSA"].jwk["x"].encode(), "kid-EdDSA", better_auth_claims("ada")
    ),
    "an algorithm other than its key's": lambda: make_key("ES256", "kid-EdDSA").token(
        better_auth_claims("ada")
    ),
    "unknown kid": lambda: make_key("EdDSA", "kid-nobody").token(better_auth_claims("ada")),
    "signed by an unpublished key under a known kid": lambda: make_key("EdDSA", "kid-EdDSA").token(
        better_auth_claims("ada")
    ),
    "wrong issuer": lambda: KEYS["EdDSA"].token(better_auth_claims("ada", iss="https://evil")),
    "wrong audience": lambda: KEYS["EdDSA"].token(better_auth_claims("ada", aud="https://other")),
    "expired": lambda: KEYS["ES256"].token(
        better_auth_claims("ada", now=time.time() - 3600, exp=int(time.time()) - 120)
    ),
    "not yet valid": lambda: KEYS["RS256"].token(
        better_auth_claims("ada", nbf=int(time.time()) + 3600)
    ),
    "issued in the future": lambda: KEYS["EdDSA"].token(
        better_auth_claims("ada", now=time.time() + 3600)
    ),
    "no exp": lambda: KEYS["EdDSA"].token(better_auth_claims("ada", exp=...)),
    "no sub": lambda: KEYS["EdDSA"].token(better_auth_claims("ada", sub=...)),
    "malformed": lambda: "abc.def.ghi",
}


@pytest.mark.parametrize("case", sorted(REFUSED))
async def test_a_bad_token_is_refused(provider: JwksServer, case: str) -> None:
    with pytest.raises(InvalidTokenError):
        await verifier_for(provider).subject(REFUSED[case]())


class TestKeySet:
    async def test_a_rotation_at_the_provider_is_picked_up_without_a_restart(
        self, provider: JwksServer
    ) -> None:
        clock = Clock()
        verifier = verifier_for(provider, clock)
        await verifier.subject(KEYS["EdDSA"].token(better_auth_claims("ada")))
        rotated = make_key("EdDSA", "kid-rotated")
        provider.keys = [rotated]
        clock.now += 31  # past the refetch interval

        assert await verifier.subject(rotated.token(better_auth_claims("bob"))) == "bob"
        assert provider.fetches == 2

    async def test_a_flood_of_unknown_kids_makes_a_bounded_number_of_fetches(
        self, provider: JwksServer
    ) -> None:
        clock = Clock()
        verifier = verifier_for(provider, clock)
        for second in range(60):
            clock.now += 1
            forged = make_key("EdDSA", f"kid-{second}").token(better_auth_claims("eve"))
            with pytest.raises(InvalidTokenError):
                await verifier.subject(forged)

        assert provider.fetches <= 3  # the first, then at most one every 30 seconds

    async def test_concurrent_misses_share_one_fetch_and_never_block_the_loop(
        self, provider: JwksServer
    ) -> None:
        provider.delay = 0.3
        verifier = verifier_for(provider)
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            for _ in range(20):
                await asyncio.sleep(0.01)
                ticks += 1

        tokens = [KEYS["EdDSA"].token(better_auth_claims(f"u{n}")) for n in range(10)]
        results = await asyncio.gather(tick(), *(verifier.subject(t) for t in tokens))

        assert results[1:] == [f"u{n}" for n in range(10)]
        assert provider.fetches == 1
        assert ticks == 20

    async def test_keys_are_fetched_again_once_their_lifetime_ends(
        self, provider: JwksServer
    ) -> None:
        clock = Clock()
        verifier = verifier_for(provider, clock)
        await verifier.subject(KEYS["EdDSA"].token(better_auth_claims("ada")))
        clock.now += 601

        await verifier.subject(KEYS["ES256"].token(better_auth_claims("bob")))

        assert provider.fetches == 2

    async def test_an_unreachable_provider_is_unavailable_not_a_bad_token(self) -> None:
        keys = JwksKeys("http://127.0.0.1:1/api/auth/jwks")
        verifier = JwksVerifier(keys)

        with pytest.raises(IdentityUnavailableError):
            await verifier.subject(KEYS["EdDSA"].token(better_auth_claims("ada")))

    async def test_symmetric_and_encryption_keys_in_a_set_are_never_used(self) -> None:
        secret = b"s" * 32
        oct_key = {"kty": "oct", "kid": "k", "k": base64.urlsafe_b64encode(secret).decode()}
        encryption = {**KEYS["ES256"].jwk, "kid": "e", "use": "enc"}

        async def fetch(_: str) -> Any:
            return {"keys": [oct_key, encryption]}

        keys = JwksKeys("http://provider.invalid/jwks", fetch=fetch)
        with pytest.raises(IdentityUnavailableError):  # no usable signing key at all
            await keys.key("k")
        token = jwt.encode(better_auth_claims("eve"), secret, "HS256", headers={"kid": "k"})
        with pytest.raises(InvalidTokenError):
            await JwksVerifier(keys).subject(token)
