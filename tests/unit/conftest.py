"""Unit-test fixtures: a fresh in-memory store and a fresh user for every test."""

from __future__ import annotations

import pytest

from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork
from application.ports import UnitOfWork
from tests.factories import new_user_id


@pytest.fixture
def uow() -> UnitOfWork:
    return InMemoryUnitOfWork(InMemoryStore())


@pytest.fixture
def user_id() -> str:
    return new_user_id()
