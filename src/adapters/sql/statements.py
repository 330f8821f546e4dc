"""What a SQL repository needs from its unit of work: somewhere to run statements."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Executable, Result


class Statements(Protocol):
    """Runs statements on the unit's connection, translating driver errors."""

    @property
    def dialect(self) -> str:
        """`postgresql` or `sqlite`."""
        ...

    async def execute(
        self,
        statement: Executable,
        parameters: dict[str, Any] | None = None,
        *,
        writes: bool | None = None,
    ) -> Result[Any]: ...
