"""The composition root: one container picks every adapter from settings."""

from __future__ import annotations

from collections.abc import Callable

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.assistant.openai import OpenAiAssistant
from adapters.assistant.rules import RulesAssistant
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.sql.better_auth import SqlBetterAuthSessions
from adapters.sql.diagnosis import FailureKind
from adapters.sql.engine import build_engine, plan_connection
from adapters.sql.gate import ConnectionGate
from adapters.sql.health import SqlDatabaseHealth
from adapters.sql.unit_of_work import SqlUnitOfWork
from adapters.system_clock import SystemClock
from entrypoints.identity import Authenticator
from entrypoints.jwks import JwksKeys, JwksVerifier
from entrypoints.metrics import Metrics
from entrypoints.operations import NoDatabaseHealth
from entrypoints.rate_limit import UserRateLimit
from entrypoints.sessions import SessionVerifier
from entrypoints.settings import ConfigurationError, Settings
from entrypoints.tokens import TokenVerifier


def _authenticator(settings: Settings, engine: Callable[[], AsyncEngine]) -> Authenticator:
    """Every way of proving identity that the settings configure (`engine` is called only
    for Better Auth sessions, which live in the service's database)."""
    secret, issuer, audience = settings.jwt_secret, settings.auth_issuer, settings.auth_audience
    if secret is None and not settings.auth_jwks_url and not settings.auth_better_auth_sessions:
        raise RuntimeError("no way to verify tokens: call Settings.check_auth() before serving")
    hs256 = jwks = sessions = None
    if secret is not None:
        hs256 = TokenVerifier(secret=secret, issuer=issuer, audience=audience)
    if settings.auth_jwks_url:
        keys = JwksKeys(settings.auth_jwks_url)
        algorithms = settings.algorithm_list
        jwks = JwksVerifier(keys, algorithms=algorithms, issuer=issuer, audience=audience)
    if settings.auth_better_auth_sessions:
        sessions = SessionVerifier(SqlBetterAuthSessions(engine()), secret=secret)
    return Authenticator(hs256=hs256, jwks=jwks, sessions=sessions)


def _rate_limit(settings: Settings) -> UserRateLimit | None:
    if not settings.rate_limit:
        return None
    try:
        return UserRateLimit(settings.rate_limit, storage=settings.rate_limit_storage)
    except Exception as error:  # limits' own ConfigurationError, or a missing client
        raise ConfigurationError(
            f"RATE_LIMIT_STORAGE must be memory:// or redis://HOST:PORT/DB ({type(error).__name__})"
        ) from None


def _openai_assistant(settings: Settings) -> OpenAiAssistant:
    base_url, model = settings.llm_base_url, settings.llm_model
    if not base_url or not model:
        raise ConfigurationError("ASSISTANT=openai needs LLM_BASE_URL and LLM_MODEL")
    key = settings.llm_api_key
    # Local OpenAI-compatible servers often need no key; the SDK insists on one.
    api_key = key.get_secret_value() if key is not None else "not-needed"
    return OpenAiAssistant(base_url=base_url, api_key=api_key, model=model)


def _gate(metrics: Metrics) -> ConnectionGate:
    def count(kind: FailureKind) -> None:
        metrics.database_error(kind.slug)

    return ConnectionGate(on_failure=count)


class Container(containers.DeclarativeContainer):
    """Providers stay synchronous; `uow` gives a fresh unit of work per use-case call."""

    settings = providers.Dependency(instance_of=Settings)

    connection_plan = providers.Singleton(
        plan_connection,
        settings.provided.database_url,
        pgbouncer=settings.provided.pgbouncer_mode,
        connect_timeout=settings.provided.db_connect_timeout,
        statement_timeout=settings.provided.db_statement_timeout,
    )
    engine = providers.Singleton(
        build_engine,
        connection_plan,
        pool_size=settings.provided.db_pool_size,
        max_overflow=settings.provided.db_max_overflow,
        pool_timeout=settings.provided.db_pool_timeout,
        pool_recycle=settings.provided.db_pool_recycle,
        pool_pre_ping=settings.provided.db_pool_pre_ping,
        echo=settings.provided.db_echo,
    )
    store = providers.Singleton(InMemoryStore)
    metrics = providers.Singleton(Metrics, multiproc_dir=settings.provided.prometheus_multiproc_dir)
    gate = providers.Singleton(_gate, metrics)
    database_health = providers.Selector(
        settings.provided.persistence,
        sql=providers.Singleton(
            SqlDatabaseHealth, engine, gate, timeout=settings.provided.db_health_timeout
        ),
        memory=providers.Singleton(NoDatabaseHealth),
    )

    # Called per use-case call (`container.uow(single_write=True)`): a fresh, unopened unit.
    uow = providers.Selector(
        settings.provided.persistence,
        sql=providers.Factory(
            SqlUnitOfWork,
            engine=engine,
            pgbouncer=connection_plan.provided.pgbouncer,
            gate=gate,
        ),
        memory=providers.Factory(InMemoryUnitOfWork, store=store),
    )
    clock = providers.Singleton(SystemClock)
    assistant = providers.Selector(
        settings.provided.assistant,
        rules=providers.Singleton(RulesAssistant),
        openai=providers.Singleton(_openai_assistant, settings),
    )
    tokens = providers.Singleton(_authenticator, settings, engine.provider)
    rate_limit = providers.Singleton(_rate_limit, settings)
