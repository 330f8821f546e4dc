"""Any failure of a `todo` command as one line a person acts on: what is wrong, what to do.

No traceback (LOG_LEVEL=DEBUG logs it), and no secret: setting values are not repeated (the
variable is named), driver messages are replaced by their classified cause, and anything
left over has URL credentials masked.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from pydantic import ValidationError

from adapters.sql.diagnosis import FailureKind, classify
from adapters.sql.schema import SchemaBehindError
from entrypoints.settings import ConfigurationError

log = logging.getLogger(__name__)

_CREDENTIALS: Final = re.compile(r"(?P<scheme>\w[\w+.-]*://)[^/@\s]*@")
_MAX_CHARS: Final = 300


def one_line(error: BaseException) -> str:
    """The text after `todo: ` for `error`."""
    log.debug("the failure in full", exc_info=error)
    if isinstance(error, ValidationError):
        return _settings(error)
    if isinstance(error, ConfigurationError | SchemaBehindError | ValueError):
        return _clean(str(error))
    kind = classify(error)
    if kind is not FailureKind.OTHER:
        return f"cannot use the database: {kind}; {kind.hint}"
    return _clean(
        f"{type(error).__name__}: {error}. Set LOG_LEVEL=DEBUG to log the traceback (or report it)"
    )


def _settings(error: ValidationError) -> str:
    """`PORT: Input should be a valid integer; ...` naming each variable, never its value."""
    problems = [
        f"{'.'.join(str(part) for part in issue['loc']).upper()}: {issue['msg']}"
        for issue in error.errors(include_input=False, include_url=False)
    ]
    settings = "setting" if len(problems) == 1 else "settings"
    return _clean(f"invalid {settings} {'; '.join(problems)} (fix it in the environment or .env)")


def _clean(text: str) -> str:
    single = " ".join(text.split())
    masked = _CREDENTIALS.sub(r"\g<scheme>***@", single)
    return masked if len(masked) <= _MAX_CHARS else masked[: _MAX_CHARS - 3] + "..."
