"""Tags in a body: a JSON array, or (a leniency for existing front ends) one string of
comma-separated tags, `"home, errands"`."""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from pydantic import BeforeValidator, StringConstraints, WithJsonSchema

from domain.tasks import TAG_MAX, TAGS_MAX
from entrypoints.api.schemas.strict import NOT_BLANK

# Up to 20 parts of at most 50 characters each, no NUL; blank parts are dropped.
COMMA_SEPARATED: Final = rf"^[^,\x00]{{0,{TAG_MAX}}}(,[^,\x00]{{0,{TAG_MAX}}}){{0,{TAGS_MAX - 1}}}$"
_COMMA_SEPARATED: Final = re.compile(COMMA_SEPARATED)

TagText = Annotated[str, StringConstraints(max_length=TAG_MAX)]

_DOC: Final = (
    f"At most {TAGS_MAX}; each trimmed, lower-cased, 1..{TAG_MAX} characters; duplicates "
    "dropped, order kept. Also accepted: one string of comma-separated tags "
    '(`"home, errands"`), blank parts dropped.'
)
_SCHEMA: Final = {
    "description": _DOC,
    "anyOf": [
        {
            "type": "array",
            "maxItems": TAGS_MAX,
            "items": {"type": "string", "maxLength": TAG_MAX, "pattern": NOT_BLANK},
        },
        {"type": "string", "pattern": COMMA_SEPARATED},
    ],
}


def _split(value: Any) -> Any:
    """A comma-separated string becomes the list of its non-blank parts. At most 20 tags
    are sent (duplicates count), as the schema's `maxItems` says."""
    if isinstance(value, list) and len(value) > TAGS_MAX:
        raise ValueError(f"at most {TAGS_MAX} tags")
    if not isinstance(value, str):
        return value
    if not _COMMA_SEPARATED.match(value):
        raise ValueError(
            f"as a string, at most {TAGS_MAX} comma-separated tags of at most {TAG_MAX} characters"
        )
    return [part.strip() for part in value.split(",") if part.strip()]


TagList = Annotated[
    list[TagText],
    BeforeValidator(_split),
    WithJsonSchema(_SCHEMA),
]
