"""Every libpq URI parameter asyncpg can honour is honoured; anything else is dropped with a
log line naming only the option. No output of planning a URL contains its password."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import pytest

from adapters.sql.engine import plan_connection

PASSWORD = "s3cret-Pw"


@dataclass(frozen=True)
class Case:
    url: str
    host: str | None = "db"
    port: int | None = None
    user: str | None = "alice"
    database: str | None = "app"
    args: dict[str, Any] = field(default_factory=dict)
    startup: dict[str, str] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()


CASES = {
    "parts in the query": Case(
        f"postgresql:///ignored?host=db&port=6543&user=alice&password={PASSWORD}&dbname=app",
        port=6543,
    ),
    "the query wins over the URL's parts": Case(
        f"postgresql://bob:{PASSWORD}@other:5432/old?host=db&user=alice&dbname=app", port=5432
    ),
    "a Unix socket directory": Case(
        "postgresql:///app?host=/var/run/postgresql&user=alice", host="/var/run/postgresql"
    ),
    "verify-full with a root certificate": Case(
        f"postgresql://alice:{PASSWORD}@db/app?sslmode=verify-full&sslrootcert=/etc/ca.pem",
        args={"dsn": "postgresql://?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem"},
    ),
    "client certificates and protocol bounds": Case(
        "postgresql://alice@db/app?sslmode=verify-ca&sslcert=/c.pem&sslkey=/k.pem"
        "&ssl_min_protocol_version=TLSv1.3",
        args={
            "dsn": "postgresql://?sslmode=verify-ca&sslcert=%2Fc.pem&sslkey=%2Fk.pem"
            "&ssl_min_protocol_version=TLSv1.3"
        },
    ),
    "a connect timeout": Case("postgresql://alice@db/app?connect_timeout=4", args={"timeout": 4.0}),
    "a zero connect timeout keeps the configured bound": Case(
        "postgresql://alice@db/app?connect_timeout=0", args={"timeout": 10}
    ),
    "application_name": Case(
        "postgresql://alice@db/app?application_name=worker-7",
        startup={"application_name": "worker-7"},
    ),
    "options with a search path": Case(
        "postgresql://alice@db/app?options=-c%20search_path%3Dtodo",
        startup={"options": "-c search_path=todo"},
    ),
    "target_session_attrs": Case(
        "postgresql://alice@db/app?target_session_attrs=read-write",
        args={"dsn": "postgresql://?target_session_attrs=read-write"},
    ),
    "libpq-only options are dropped": Case(
        f"postgresql://alice:{PASSWORD}@db/app?sslmode=require&channel_binding=require"
        "&gssencmode=disable",
        args={"dsn": "postgresql://?sslmode=require"},
        dropped=("channel_binding", "gssencmode"),
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_url_becomes_these_connect_arguments(
    case: Case, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        plan = plan_connection(case.url, connect_timeout=10)
    url = plan.url
    assert (url.host, url.port, url.username, url.database) == (
        case.host,
        case.port,
        case.user,
        case.database,
    )
    assert url.query == {}
    for name, value in case.args.items():
        assert plan.connect_args[name] == value
    assert plan.connect_args["server_settings"] == {
        "application_name": "todo-service",
        "statement_timeout": "30000",
        **case.startup,
    }
    assert plan.dropped == case.dropped
    if case.dropped:
        assert f"cannot honour: {', '.join(case.dropped)}" in caplog.text
    said = caplog.text + plan.safe_url + repr(plan) + str(plan.url)
    assert PASSWORD not in said


def test_a_password_in_the_query_reaches_the_driver_only() -> None:
    plan = plan_connection(f"postgresql://db/app?user=alice&password={PASSWORD}")
    assert plan.url.password == PASSWORD
    assert PASSWORD not in plan.safe_url + repr(plan)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://alice@db/app?port=abc", "port in DATABASE_URL must be a number"),
        ("postgresql://alice@db/app?connect_timeout=soon", "connect_timeout in DATABASE_URL"),
        (f"postgresql://alice:{PASSWORD}@db:notaport/app", "DATABASE_URL is not a database URL"),
    ],
)
def test_a_malformed_url_is_refused_without_echoing_it(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        plan_connection(url)
    assert PASSWORD not in str(refused.value)
