"""Rule: every repository method is scoped by a keyword-only `user_id`."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from adapters.memory.tasks import InMemoryTaskRepository
from application.ports import TaskRepository


def public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    """The methods `cls` itself defines, without dunders and private helpers."""
    return {
        name: member
        for name, member in vars(cls).items()
        if inspect.isfunction(member) and not name.startswith("_")
    }


PORT_METHODS = public_methods(TaskRepository)


def test_the_port_declares_the_repository_methods() -> None:
    assert set(PORT_METHODS) >= {"add", "get", "list", "apply_patch", "toggle_completion", "delete"}


@pytest.mark.parametrize("name", sorted(PORT_METHODS))
def test_every_port_method_takes_a_keyword_only_user_id(name: str) -> None:
    parameter = inspect.signature(PORT_METHODS[name]).parameters.get("user_id")
    assert parameter is not None, f"TaskRepository.{name} has no user_id"
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, f"TaskRepository.{name}.user_id"
    assert parameter.default is inspect.Parameter.empty, f"TaskRepository.{name}.user_id"


@pytest.mark.parametrize("name", sorted(PORT_METHODS))
def test_every_port_method_is_async(name: str) -> None:
    assert inspect.iscoroutinefunction(PORT_METHODS[name])


@pytest.mark.parametrize("name", sorted(PORT_METHODS))
def test_the_memory_adapter_keeps_the_port_signature(name: str) -> None:
    port = inspect.signature(PORT_METHODS[name])
    adapter = inspect.signature(getattr(InMemoryTaskRepository, name))
    assert list(adapter.parameters) == list(port.parameters)
    assert [p.kind for p in adapter.parameters.values()] == [
        p.kind for p in port.parameters.values()
    ]


def test_the_memory_adapter_adds_no_unscoped_public_method() -> None:
    assert set(public_methods(InMemoryTaskRepository)) == set(PORT_METHODS)
