"""Who is calling: the bearer token's subject, and that it owns the path it asks for."""

from __future__ import annotations

from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from entrypoints.tokens import InvalidTokenError, TokenVerifier

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="A JWT whose `sub` is the user (HS256 with the shared secret).",
)


class NotAuthenticatedError(Exception):
    """No usable bearer token: 401."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ForeignPathError(Exception):
    """The path names another user than the token's subject: 403."""


def authenticate(
    credentials: HTTPAuthorizationCredentials | None, verifier: TokenVerifier, path_user: str
) -> str:
    """The caller's user id. Raises NotAuthenticatedError or ForeignPathError."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticatedError("A bearer token is required.")
    try:
        subject = verifier.subject(credentials.credentials)
    except InvalidTokenError:
        raise NotAuthenticatedError("The bearer token is not valid.") from None
    if subject != path_user:
        raise ForeignPathError
    return subject
