"""Strict input types: booleans are JSON booleans, dates are ISO 8601 strings, ids and limits
are whole numbers. Pydantic's lax mode would read `"yes"` as true, `1700000000` as a date and
`"1.0"` as 1; these types refuse them, in bodies, paths and queries alike."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final

from pydantic import BeforeValidator, GetJsonSchemaHandler, StrictBool
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

_ISO_START: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE: Final = re.compile(r"^-?[0-9]+$")

# What the domain rules refuse in text (NUL; nothing but white space), told to clients as a
# pattern. The domain checks it, with a message in plain words; the pattern is schema only.
NO_NUL: Final = r"^[^\x00]*$"
NOT_BLANK: Final = r"^[^\x00]*[^\s\x00][^\x00]*$"


@dataclass(frozen=True, slots=True)
class documented:  # noqa: N801  (reads as annotation metadata: `documented(NOT_BLANK)`)
    """Annotation metadata: `pattern` in the JSON schema, enforced by a domain rule."""

    pattern: str

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


def _iso_only(value: Any) -> Any:
    """A date-time is a string in ISO 8601 form (a number is not a date)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_START.match(value):
        raise ValueError("must be an ISO 8601 date-time string, e.g. 2026-11-30T17:00:00Z")
    return value


def json_integer(value: Any) -> Any:
    """A JSON integer: `7`, or `7.0` (the same number in JSON); never `true`, `"7"` or 7.5."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError("must be an integer")


def whole_only(value: Any) -> Any:
    """An integer, or (in a path or query) its decimal digits; never `1.0`, `+1` or `1_0`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str) or not _WHOLE.match(value):
        raise ValueError("must be an integer")
    return int(value)


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]
WholeNumber = Annotated[int, BeforeValidator(whole_only)]
Flag = StrictBool
Text = Annotated[str, documented(NO_NUL)]

__all__ = [
    "NOT_BLANK",
    "NO_NUL",
    "Flag",
    "IsoDateTime",
    "Text",
    "WholeNumber",
    "documented",
    "json_integer",
    "whole_only",
]
