"""A bearer goes to the verifier its shape and header name, and to no other."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from entrypoints.identity import Authenticator
from entrypoints.jwks import JwksKeys, JwksVerifier
from entrypoints.sessions import SessionVerifier
from entrypoints.tokens import InvalidTokenError, TokenVerifier, mint_token
from tests.identity.test_sessions import CountingLookup
from tests.identity_provider import JwksServer, better_auth_claims, make_key

SECRET = "x" * 48
EDDSA = make_key("EdDSA", "kid-1")


@pytest.fixture
def provider() -> Iterator[JwksServer]:
    with JwksServer(keys=[EDDSA]) as server:
        yield server


def hs256(user_id: str) -> str:
    return mint_token(SECRET, user_id, now=datetime.now(UTC))


async def test_it_needs_one_way_at_least() -> None:
    with pytest.raises(ValueError, match="at least one"):
        Authenticator()


async def test_hs256_and_jwks_tokens_each_go_to_their_verifier(provider: JwksServer) -> None:
    lookup = CountingLookup({"S" * 32: ("carol", datetime.now(UTC) + timedelta(hours=1))})
    authenticator = Authenticator(
        hs256=TokenVerifier(secret=SECRET),
        jwks=JwksVerifier(JwksKeys(provider.url)),
        sessions=SessionVerifier(lookup, secret=SECRET),
    )

    assert await authenticator.subject(hs256("alice")) == "alice"
    assert await authenticator.subject(EDDSA.token(better_auth_claims("bob"))) == "bob"
    assert await authenticator.subject("S" * 32) == "carol"


@pytest.mark.parametrize(
    ("configured", "bearer"),
    [
        ("hs256", "a-session-token-0123456789"),
        ("sessions", "a.b.c"),
        ("jwks", "not.a.jwt"),
    ],
)
async def test_a_bearer_no_configured_verifier_takes_is_refused(
    provider: JwksServer, configured: str, bearer: str
) -> None:
    authenticator = {
        "hs256": lambda: Authenticator(hs256=TokenVerifier(secret=SECRET)),
        "sessions": lambda: Authenticator(sessions=SessionVerifier(CountingLookup(), secret=None)),
        "jwks": lambda: Authenticator(jwks=JwksVerifier(JwksKeys(provider.url))),
    }[configured]()

    with pytest.raises(InvalidTokenError):
        await authenticator.subject(bearer)


async def test_hs256_is_never_sent_to_the_jwks_keys(provider: JwksServer) -> None:
    authenticator = Authenticator(jwks=JwksVerifier(JwksKeys(provider.url)))

    with pytest.raises(InvalidTokenError):
        await authenticator.subject(hs256("mallory"))
    assert provider.fetches == 0
