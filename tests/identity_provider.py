"""A stand-in identity provider for the tests: signing keys (EdDSA, ES256, RS256) and a JWKS
endpoint on 127.0.0.1, served from a thread like any remote provider, counting its fetches.

Tokens are shaped like Better Auth's JWT plugin makes them: header `{"alg", "kid"}`, claims
the user's fields plus `sub`, `iat`, `exp` (15 minutes), and `iss` and `aud` (the base URL).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

BASE_URL = "http://localhost:3000"  # Better Auth's default issuer and audience: its base URL
JWKS_PATH = "/api/auth/jwks"


@dataclass
class SigningKey:
    """A private key, and its public JWK as the provider publishes it."""

    kid: str
    alg: str
    private: Any
    jwk: dict[str, Any]

    def token(self, claims: dict[str, Any], **header: Any) -> str:
        return jwt.encode(
            claims, self.private, algorithm=self.alg, headers={"kid": self.kid, **header}
        )


def make_key(alg: str, kid: str) -> SigningKey:
    if alg == "EdDSA":
        private: Any = ed25519.Ed25519PrivateKey.generate()
        public = OKPAlgorithm.to_jwk(private.public_key(), as_dict=True)
    elif alg == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
        public = ECAlgorithm.to_jwk(private.public_key(), as_dict=True)
    else:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return SigningKey(kid, alg, private, {**public, "kid": kid, "alg": alg, "use": "sig"})


def better_auth_claims(
    user_id: str, *, now: float | None = None, **overrides: Any
) -> dict[str, Any]:
    """The claims Better Auth's JWT plugin signs by default: the session's user, `sub`,
    `iat`, `exp` 15 minutes on, and `iss` and `aud` set to the app's base URL."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {
        "id": user_id,
        "name": "Ada",
        "email": "ada@example.com",
        "emailVerified": True,
        "image": None,
        "createdAt": "2026-11-01T10:00:00.000Z",
        "updatedAt": "2026-11-01T10:00:00.000Z",
        "iat": issued,
        "sub": user_id,
        "exp": issued + 900,
        "iss": BASE_URL,
        "aud": BASE_URL,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not ...}


@dataclass
class JwksServer:
    """Serves `keys` as a JWKS document; `fetches` counts the GETs, `delay` slows them."""

    keys: list[SigningKey] = field(default_factory=list)
    fetches: int = 0
    delay: float = 0.0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{JWKS_PATH}"

    def document(self) -> bytes:
        return json.dumps({"keys": [key.jwk for key in self.keys]}).encode()

    def __enter__(self) -> Self:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.fetches += 1
                time.sleep(provider.delay)
                body = provider.document()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
