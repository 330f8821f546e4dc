"""Every failure of `todo` is one line, `todo: <what is wrong and what to do>`, exit status
2: no traceback, no secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.cli import main

SECRET = "cli-failure-secret-long-enough-for-hs256-0123456789"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("AUTH_JWT_SECRET", "BETTER_AUTH_SECRET", "DATABASE_URL", "APP_ENV", "PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTH_JWT_SECRET", SECRET)
    return tmp_path


def failure(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """The one line `todo` wrote to stderr for a failed run (asserting there is one)."""
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.startswith("todo:")]
    assert len(lines) == 1, captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("PORT", "abc", "todo: invalid setting PORT: Input should be a valid integer"),
        ("DB_POOL_SIZE", "-1", "todo: invalid setting DB_POOL_SIZE: Input should be greater"),
        ("APP_ENV", "prod", "todo: invalid setting APP_ENV: Input should be 'development'"),
        ("LOG_FORMAT", "yaml", "todo: invalid setting LOG_FORMAT: Input should be 'json'"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it(
    variable: str,
    value: str,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(variable, value)
    line = failure(["token", "u_1"], capsys)
    assert line.startswith(expected)
    assert line.endswith("(fix it in the environment or .env)")


def test_a_secret_setting_is_never_echoed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DB_POOL_SIZE", "hunter2-secret")
    assert "hunter2" not in failure(["token", "u_1"], capsys)


def test_an_unreachable_database_says_why_and_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://todo:s3cret-pw@127.0.0.1:1/todo")
    line = failure(["db", "upgrade"], capsys)
    assert line == (
        "todo: cannot use the database: connection refused; check DATABASE_URL's host and"
        " port, and that the server is running"
    )


def test_an_unknown_host_is_named_as_such(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://todo:s3cret-pw@no-such-host.invalid/todo")
    line = failure(["db", "current"], capsys)
    assert line.startswith("todo: cannot use the database: host not found;")


def test_a_malformed_url_is_refused_without_repeating_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://todo:s3cret-pw@db:port/todo")
    line = failure(["db", "current"], capsys)
    assert line == "todo: DATABASE_URL is not a database URL (scheme://...)"
