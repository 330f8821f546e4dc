"""Settings from the environment and an optional `.env`: the only module that reads either."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_CORS_ORIGIN = "http://localhost:3000"
MIN_SECRET_BYTES = 32  # HS256's key should be as long as its hash (RFC 7518, 3.2)
JWKS_ALGORITHMS = frozenset({"EdDSA", "ES256", "RS256"})


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
    db_startup_wait: float = Field(15, ge=0)
    db_health_timeout: float = Field(3, gt=0)

    auth_jwt_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("auth_jwt_secret", "better_auth_secret")
    )
    auth_jwks_url: str | None = None
    auth_algorithms: str = "EdDSA,ES256,RS256"
    auth_issuer: str | None = None
    auth_audience: str | None = None
    auth_better_auth_sessions: bool = False
    rate_limit: int | None = Field(None, ge=0)  # requests per user per minute; 0 or none: off
    rate_limit_storage: str = "memory://"
    admin_token: SecretStr | None = None

    cors_origins: str | None = None
    cors_allow_credentials: bool = True
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    assistant: Literal["rules", "openai"] = "rules"
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None

    log_format: Literal["json", "text"] | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_access: bool = False
    prometheus_multiproc_dir: str | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_capitals(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def log_as_json(self) -> bool:
        """`LOG_FORMAT`, defaulting to text in development and JSON elsewhere."""
        if self.log_format is None:
            return self.app_env != "development"
        return self.log_format == "json"

    @property
    def admin_secret(self) -> str | None:
        token = self.admin_token
        return None if token is None else token.get_secret_value() or None

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

    @property
    def algorithm_list(self) -> list[str]:
        """`AUTH_ALGORITHMS` as a list."""
        return [name.strip() for name in self.auth_algorithms.split(",") if name.strip()]

    def check_auth(self) -> None:
        """Start-up needs a way to verify tokens (development makes up a secret), a secret
        long enough for HS256 (outside development), and nothing it cannot honour."""
        secret = self.jwt_secret
        if self.app_env != "development":
            if not (secret or self.auth_jwks_url or self.auth_better_auth_sessions):
                raise ConfigurationError(
                    f"APP_ENV={self.app_env} needs AUTH_JWT_SECRET (or BETTER_AUTH_SECRET) or"
                    " AUTH_JWKS_URL to verify tokens; only APP_ENV=development makes up a"
                    " secret at start-up."
                )
            if secret and len(secret.encode()) < MIN_SECRET_BYTES:
                raise ConfigurationError(
                    f"AUTH_JWT_SECRET (or BETTER_AUTH_SECRET) is {len(secret.encode())} bytes;"
                    f" HS256 needs at least {MIN_SECRET_BYTES} (make one: python3 -c"
                    " 'import secrets; print(secrets.token_urlsafe(48))')."
                )
        unknown = sorted(set(self.algorithm_list) - JWKS_ALGORITHMS)
        if self.auth_jwks_url and (unknown or not self.algorithm_list):
            raise ConfigurationError(
                f"AUTH_ALGORITHMS may list EdDSA, ES256 and RS256 only (not {unknown or 'none'})."
            )
        if self.auth_better_auth_sessions and self.persistence != "sql":
            raise ConfigurationError(
                "AUTH_BETTER_AUTH_SESSIONS needs PERSISTENCE=sql: sessions are read from Better"
                " Auth's `session` table in DATABASE_URL."
            )
