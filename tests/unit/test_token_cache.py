"""A token is verified once and then trusted from a bounded cache until it expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from entrypoints.tokens import InvalidTokenError, TokenVerifier, mint_token

SECRET = "a-test-secret-that-is-long-enough-for-hs256-0123456789"


class CountingVerifier(TokenVerifier):
    """Counts the full verifications (signature and claims) it performs."""

    def __init__(self, **options: object) -> None:
        super().__init__(secret=SECRET, **options)  # type: ignore[arg-type]
        self.full_checks = 0

    def _verify(self, token: str) -> tuple[str, float | None]:
        self.full_checks += 1
        return super()._verify(token)


def token_for(user_id: str, hours: float = 1) -> str:
    return mint_token(SECRET, user_id, now=datetime.now(UTC), lifetime=timedelta(hours=hours))


class TestTokenCache:
    def test_a_token_is_checked_once_then_served_from_the_cache(self) -> None:
        verifier = CountingVerifier()
        token = token_for("alice")
        assert [verifier.subject(token) for _ in range(3)] == ["alice"] * 3
        assert verifier.full_checks == 1

    def test_a_cached_token_is_checked_again_once_it_has_expired(self) -> None:
        now = [datetime.now(UTC).timestamp()]
        verifier = CountingVerifier(clock=lambda: now[0])
        token = token_for("alice", hours=1)
        verifier.subject(token)
        now[0] += 2 * 3600
        verifier.subject(token)  # PyJWT, on the real clock, still accepts it
        assert verifier.full_checks == 2

    def test_a_bad_token_is_never_cached(self) -> None:
        verifier = CountingVerifier()
        forged = token_for("alice")[:-4] + "AAAA"
        for _ in range(2):
            with pytest.raises(InvalidTokenError):
                verifier.subject(forged)
        assert verifier.full_checks == 2

    def test_the_cache_is_bounded_and_drops_the_oldest_token(self) -> None:
        verifier = CountingVerifier(cache_size=2)
        first, second, third = (token_for(name) for name in ("a", "b", "c"))
        for token in (first, second, third, third, second):
            verifier.subject(token)
        assert verifier.full_checks == 3
        verifier.subject(first)
        assert verifier.full_checks == 4
