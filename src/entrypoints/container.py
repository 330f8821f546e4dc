"""The composition root: one container picks every adapter from settings."""

from __future__ import annotations

from dependency_injector import containers, providers

from adapters.assistant.openai import OpenAiAssistant
from adapters.assistant.rules import RulesAssistant
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from adapters.sql.engine import build_engine, plan_connection
from adapters.sql.unit_of_work import SqlUnitOfWork
from adapters.system_clock import SystemClock
from entrypoints.settings import ConfigurationError, Settings
from entrypoints.tokens import TokenVerifier


def _verifier(settings: Settings) -> TokenVerifier:
    secret = settings.jwt_secret
    if secret is None:
        raise RuntimeError("no token secret: call Settings.check_auth() before serving")
    return TokenVerifier(
        secret=secret, issuer=settings.auth_issuer, audience=settings.auth_audience
    )


def _openai_assistant(settings: Settings) -> OpenAiAssistant:
    base_url, model = settings.llm_base_url, settings.llm_model
    if not base_url or not model:
        raise ConfigurationError("ASSISTANT=openai needs LLM_BASE_URL and LLM_MODEL")
    key = settings.llm_api_key
    # Local OpenAI-compatible servers often need no key; the SDK insists on one.
    api_key = key.get_secret_value() if key is not None else "not-needed"
    return OpenAiAssistant(base_url=base_url, api_key=api_key, model=model)


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

    # Called per use-case call (`container.uow(single_write=True)`): a fresh, unopened unit.
    uow = providers.Selector(
        settings.provided.persistence,
        sql=providers.Factory(
            SqlUnitOfWork, engine=engine, pgbouncer=connection_plan.provided.pgbouncer
        ),
        memory=providers.Factory(InMemoryUnitOfWork, store=store),
    )
    clock = providers.Singleton(SystemClock)
    assistant = providers.Selector(
        settings.provided.assistant,
        rules=providers.Singleton(RulesAssistant),
        openai=providers.Singleton(_openai_assistant, settings),
    )
    tokens = providers.Singleton(_verifier, settings)
