"""Settings from the environment and an optional `.env`: the only module that reads either."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_CORS_ORIGIN = "http://localhost:3000"


class ConfigurationError(Exception):
    """The settings cannot run the service; the message says what to set."""


class Settings(BaseSettings):
    """Every setting the service reads. Names are a contract: see `.env.example`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_ignore_empty=True, extra="ignore", frozen=True
    )

    app_env: Literal["development", "test", "production"] = "development"

    database_url: str | None = None
    persistence: Literal["sql", "memory"] = "sql"
    db_pool_size: int = Field(20, ge=1)
    db_max_overflow: int = Field(10, ge=0)
    db_pool_timeout: float = Field(30, gt=0)
    db_pool_recycle: int = Field(300, ge=-1)
    db_pool_pre_ping: bool = False
    db_connect_timeout: float = Field(10, gt=0)
    db_statement_timeout: float = Field(30, gt=0)
    db_pgbouncer: Literal["auto", "true", "false"] = "auto"
    db_auto_create: bool | None = None
    db_echo: bool = False

    auth_jwt_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("auth_jwt_secret", "better_auth_secret")
    )
    auth_jwks_url: str | None = None
    auth_algorithms: str = "EdDSA,ES256,RS256"
    auth_issuer: str | None = None
    auth_audience: str | None = None
    admin_token: SecretStr | None = None

    cors_origins: str | None = None
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    assistant: Literal["rules", "openai"] = "rules"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None

    @property
    def pgbouncer_mode(self) -> bool | None:
        """True or False when forced; None lets the URL decide (`-pooler` hosts)."""
        return {"auto": None, "true": True, "false": False}[self.db_pgbouncer]

    @property
    def cors_origin_list(self) -> list[str]:
        if self.cors_origins is None:
            return [DEV_CORS_ORIGIN] if self.app_env == "development" else []
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]

    def auto_create_for(self, *, is_sqlite: bool) -> bool:
        """`DB_AUTO_CREATE`, defaulting to on for SQLite and off for PostgreSQL."""
        return is_sqlite if self.db_auto_create is None else self.db_auto_create

    @property
    def jwt_secret(self) -> str | None:
        secret = self.auth_jwt_secret
        return None if secret is None else secret.get_secret_value()

    def check_auth(self) -> None:
        """Outside development, start-up needs a way to verify tokens."""
        if self.auth_jwks_url and not self.jwt_secret:
            raise ConfigurationError(
                "AUTH_JWKS_URL is not supported yet: set AUTH_JWT_SECRET (or BETTER_AUTH_SECRET)."
            )
        if self.app_env != "development" and not self.jwt_secret:
            raise ConfigurationError(
                f"APP_ENV={self.app_env} needs AUTH_JWT_SECRET (or BETTER_AUTH_SECRET) to verify"
                " tokens; only APP_ENV=development makes up a secret at start-up."
            )
