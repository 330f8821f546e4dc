"""Better Auth session tokens: raw or signed as its cookie is, the signature checked before any
lookup, one lookup in its `session` table (SQLite and PostgreSQL), briefly cached."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.better_auth import SqlBetterAuthSessions, moment
from adapters.sql.engine import build_engine, plan_connection
from entrypoints.sessions import SessionVerifier, session_token, sign
from entrypoints.tokens import InvalidTokenError
from tests.api.conftest import SECRET as API_SECRET
from tests.api.conftest import Api, running_api, settings_for
from tests.better_auth_tables import add_session, create_tables, new_session_token
from tests.databases import asyncpg_url, create_postgres_database, drop_postgres_database
from tests.factories import new_user_id

SECRET = "better-auth-secret-0123456789-0123456789"
LATER = datetime.now(UTC) + timedelta(days=7)


class CountingLookup:
    """A session table in a dict, counting the lookups made."""

    def __init__(self, sessions: dict[str, tuple[str, datetime]] | None = None) -> None:
        self.sessions = sessions or {}
        self.lookups = 0

    async def find(self, token: str) -> tuple[str, datetime] | None:
        self.lookups += 1
        return self.sessions.get(token)


class TestSignedFormat:
    def test_the_signature_is_standard_base64_of_an_hmac_sha256_as_better_call_makes_it(
        self,
    ) -> None:
        token = new_session_token()
        signed = sign(token, SECRET)

        value, _, signature = signed.partition(".")
        digest = hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).digest()
        assert value == token
        assert signature == base64.b64encode(digest).decode()
        assert len(signature) == 44
        assert signature.endswith("=")

    @pytest.mark.parametrize(
        "spelling",
        [
            "as signed",
            "as the cookie holds it (encodeURIComponent)",
            "padding stripped (as Better Auth's bearer plugin does)",
            "base64url",
        ],
    )
    def test_every_spelling_of_a_signed_value_gives_its_token(self, spelling: str) -> None:
        token = new_session_token()
        signed = sign(token, SECRET)
        spelled = {
            "as signed": signed,
            "as the cookie holds it (encodeURIComponent)": quote(signed, safe=""),
            "padding stripped (as Better Auth's bearer plugin does)": signed.rstrip("="),
            "base64url": signed.replace("+", "-").replace("/", "_"),
        }[spelling]

        assert session_token(spelled, SECRET) == token

    def test_a_raw_token_is_taken_as_it_is(self) -> None:
        token = new_session_token()

        assert session_token(token, SECRET) == token


class TestVerifier:
    async def test_a_live_session_names_its_user_and_is_cached(self) -> None:
        token = new_session_token()
        lookup = CountingLookup({token: ("u_ada", LATER)})
        verifier = SessionVerifier(lookup, secret=SECRET)

        assert await verifier.subject(token) == "u_ada"
        assert await verifier.subject(token) == "u_ada"
        assert await verifier.subject(sign(token, SECRET)) == "u_ada"
        assert lookup.lookups == 2  # once raw, once signed; then from the cache

    async def test_the_cache_is_brief(self) -> None:
        now = [1_000_000.0]
        token = new_session_token()
        lookup = CountingLookup({token: ("u_ada", LATER)})
        verifier = SessionVerifier(lookup, secret=SECRET, clock=lambda: now[0])
        await verifier.subject(token)
        now[0] += 31

        await verifier.subject(token)

        assert lookup.lookups == 2

    @pytest.mark.parametrize(
        "bearer",
        [
            "bad signature",
            "signature of another secret",
            "signed, with no secret configured",
            "not a token",
        ],
    )
    async def test_a_bad_bearer_is_refused_before_any_lookup(self, bearer: str) -> None:
        token = new_session_token()
        lookup = CountingLookup({token: ("u_ada", LATER)})
        secret: str | None = None if bearer.startswith("signed,") else SECRET
        value = {
            "bad signature": f"{token}.{'A' * 43}=",
            "signature of another secret": sign(token, "another-secret"),
            "signed, with no secret configured": sign(token, SECRET),
            "not a token": "<script>",
        }[bearer]

        with pytest.raises(InvalidTokenError):
            await SessionVerifier(lookup, secret=secret).subject(value)
        assert lookup.lookups == 0

    async def test_an_expired_or_unknown_session_is_refused(self) -> None:
        expired = new_session_token()
        lookup = CountingLookup({expired: ("u_ada", datetime.now(UTC) - timedelta(seconds=1))})
        verifier = SessionVerifier(lookup, secret=SECRET)

        for token in (expired, new_session_token()):
            with pytest.raises(InvalidTokenError):
                await verifier.subject(token)


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def better_auth_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with Better Auth's tables (and none of the service's yet)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'auth.db'}"
        return
    request.getfixturevalue("postgres_database_name")  # skip or fail as the suite does
    name = create_postgres_database()
    try:
        yield asyncpg_url(name)
    finally:
        drop_postgres_database(name)


@pytest.fixture
async def engine(better_auth_url: str) -> AsyncIterator[AsyncEngine]:
    await create_tables(better_auth_url)
    engine = build_engine(plan_connection(better_auth_url))
    yield engine
    await engine.dispose()


class TestSessionTable:
    async def test_a_session_is_found_by_its_token_with_its_expiry(
        self, better_auth_url: str, engine: AsyncEngine
    ) -> None:
        token = new_session_token()
        expires = datetime(2027, 1, 31, 12, 30, tzinfo=UTC)
        await add_session(better_auth_url, "u_ada", token, expires)

        found = await SqlBetterAuthSessions(engine).find(token)

        assert found == ("u_ada", expires)

    async def test_an_unknown_token_finds_nothing(self, engine: AsyncEngine) -> None:
        assert await SqlBetterAuthSessions(engine).find(new_session_token()) is None


class TestThroughTheApi:
    @pytest.mark.usefixtures("engine")  # the tables
    async def test_raw_and_signed_sessions_are_accepted_and_bad_ones_get_401(
        self, better_auth_url: str
    ) -> None:
        user_id, live, expired = new_user_id(), new_session_token(), new_session_token()
        await add_session(better_auth_url, user_id, live, LATER)
        await add_session(better_auth_url, user_id, expired, datetime.now(UTC) - timedelta(1))
        settings = settings_for(
            persistence="sql",
            database_url=better_auth_url,
            db_auto_create=True,
            auth_better_auth_sessions=True,
        )
        signed = sign(live, API_SECRET)
        async with running_api(settings, user_id) as api:
            accepted = [
                await post_task(api, bearer) for bearer in (live, signed, quote(signed, safe=""))
            ]
            refused = [
                await post_task(api, bearer)
                for bearer in (expired, new_session_token(), f"{live}.{'A' * 43}=")
            ]
            jwt_still_works = await api.client.get(api.tasks, headers=api.auth())

        assert accepted == [201, 201, 201]
        assert refused == [401, 401, 401]
        assert jwt_still_works.status_code == 200


async def post_task(api: Api, bearer: str) -> int:
    headers = {"Authorization": f"Bearer {bearer}"}
    response = await api.client.post(api.tasks, json={"title": "Buy milk"}, headers=headers)
    return response.status_code


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (1_800_000_000_000, datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),
        ("2027-01-15T08:00:00.000Z", datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),
        (datetime(2027, 1, 15, 8, 0), datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),  # noqa: DTZ001
        ("not a date", None),
        (None, None),
    ],
)
def test_every_way_better_auth_stores_expires_at_is_read_as_utc(
    stored: object, expected: datetime | None
) -> None:
    assert moment(stored) == expected
