"""A PgBouncer that requires TLS from its clients, with a certificate made for the run, in
front of the test database: the shape of Neon's `-pooler` endpoints.

Plain helpers, no pytest here; ``tests/conftest.py`` wraps them in fixtures.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.databases import PgBouncer, postgres_user

# Trust authentication behind the pooler: the password only has to look like a real one.
NEON_PASSWORD = "npg_not-a-real-password"


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (P-256, valid two days), made
    with the openssl command; returns (certificate, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("openssl not found (apt-get install openssl)")
    certificate, key = directory / "server.crt", directory / "server.key"
    subprocess.run(  # noqa: S603  (fixed arguments)
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(certificate),
        ],
        check=True,
        capture_output=True,
    )
    for path in (certificate, key):
        path.chmod(0o644)  # pgbouncer runs as another user; a throw-away test key
    return certificate, key


class TlsPgBouncer(PgBouncer):
    """``PgBouncer`` (transaction mode) with ``client_tls_sslmode = require``."""

    certificate: Path

    def _write_config(self, directory: Path) -> Path:
        ini = super()._write_config(directory)
        self.certificate, key = make_certificate(directory)
        with ini.open("a") as config:
            config.write(
                "client_tls_sslmode = require\n"
                f"client_tls_cert_file = {self.certificate}\n"
                f"client_tls_key_file = {key}\n"
            )
        return ini

    def neon_url(self, **query: str) -> str:
        """The URL as Neon's console shows it (`postgresql://`, a password, TLS required,
        channel binding asked for), plus `query`."""
        options = {"sslmode": "require", "channel_binding": "require", **query}
        tail = "&".join(f"{name}={value}" for name, value in options.items())
        return (
            f"postgresql://{postgres_user()}:{NEON_PASSWORD}@{self.host}:{self.port}"
            f"/{self.database}?{tail}"
        )
