"""The `todo` console script: tokens, migrations and the development start-up banner."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from dependency_injector import providers

from entrypoints.api.app import create_app
from entrypoints.cli import DEMO_USER, _with_dev_secret, main
from entrypoints.container import Container
from entrypoints.settings import ConfigurationError, Settings
from entrypoints.tokens import InvalidTokenError, TokenVerifier, mint_token

SECRET = "cli-test-secret-long-enough-for-hs256-0123456789"


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No developer .env or environment leaks in; every test gets its own directory."""
    monkeypatch.chdir(tmp_path)
    for name in ("AUTH_JWT_SECRET", "BETTER_AUTH_SECRET", "DATABASE_URL", "APP_ENV"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


class TestToken:
    def test_mints_a_token_the_service_accepts(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("BETTER_AUTH_SECRET", SECRET)
        assert main(["token", "u_42"]) == 0
        token = capsys.readouterr().out.strip()
        assert TokenVerifier(secret=SECRET).subject(token) == "u_42"

    def test_refuses_without_a_secret(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["token", "u_42"]) == 2
        assert "AUTH_JWT_SECRET" in capsys.readouterr().err


class TestDatabaseCommands:
    def test_upgrade_current_and_downgrade_on_sqlite(
        self, monkeypatch: pytest.MonkeyPatch, isolated: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{isolated / 'cli.db'}")
        assert main(["db", "current"]) == 0
        assert "no revision" in capsys.readouterr().out
        assert main(["db", "upgrade"]) == 0
        assert main(["db", "current"]) == 0
        assert capsys.readouterr().out.strip().endswith("0004")
        assert main(["db", "downgrade", "base"]) == 0
        assert main(["db", "current"]) == 0
        assert "no revision" in capsys.readouterr().out


class TestDevelopmentStartUp:
    def test_makes_up_a_secret_and_prints_a_working_token_and_curl_line(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        settings = _with_dev_secret(Settings(_env_file=None))
        printed = capsys.readouterr().out
        token = next(line.strip() for line in printed.splitlines() if line.startswith("  eyJ"))
        assert settings.jwt_secret is not None
        assert TokenVerifier(secret=settings.jwt_secret).subject(token) == DEMO_USER
        assert f"curl -s -X POST http://127.0.0.1:8000/api/{DEMO_USER}/tasks" in printed

    def test_keeps_a_configured_secret_and_prints_nothing(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        settings = Settings(_env_file=None, auth_jwt_secret=SECRET)  # type: ignore[call-arg]
        assert _with_dev_secret(settings) is settings
        assert capsys.readouterr().out == ""

    def test_production_without_a_secret_does_not_start(self) -> None:
        settings = Settings(_env_file=None, app_env="production")  # type: ignore[call-arg]
        container = Container(settings=providers.Object(settings))
        with pytest.raises(ConfigurationError, match="APP_ENV=production needs AUTH_JWT_SECRET"):
            create_app(container)


def test_tokens_for_another_secret_are_rejected() -> None:
    token = mint_token(SECRET, "u_1", now=datetime.now(UTC))
    verifier = TokenVerifier(secret=SECRET[::-1])
    with pytest.raises(InvalidTokenError):
        verifier.subject(token)
