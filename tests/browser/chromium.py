"""Headless Chromium (Debian's package) driven over the Chrome DevTools Protocol with a plain
websocket client: no browser download, no driver binary."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import quote

import httpx
from websockets.sync.client import ClientConnection, connect

FLAGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-debugging-port=0",
)
_LISTENING: Final = re.compile(r"DevTools listening on ws://([0-9.]+:[0-9]+)/")
_TIMEOUT: Final = 20.0


def find_chromium() -> str | None:
    """Debian's `/usr/bin/chromium`, or a chromium on PATH."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


class Chromium:
    """A headless browser with a temporary profile, for the length of a `with` block."""

    def __init__(self, executable: str, profile: Path) -> None:
        self._command = [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"]
        self._log = profile.with_suffix(".log")
        self._process: subprocess.Popen[bytes] | None = None
        self._devtools = ""

    def __enter__(self) -> Self:
        with self._log.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603  (fixed flags, a known binary)
                self._command, stdout=subprocess.DEVNULL, stderr=log
            )
        self._devtools = self._await_devtools()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=_TIMEOUT)

    def _await_devtools(self) -> str:
        deadline = time.monotonic() + _TIMEOUT
        while time.monotonic() < deadline:
            found = _LISTENING.search(self._log.read_text(errors="replace"))
            if found:
                return found.group(1)
            assert self._process is not None
            if self._process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"chromium did not start: {self._log.read_text()[-2000:]}")

    @contextmanager
    def open(self, url: str) -> Iterator[Page]:
        """A new tab at `url`, once its document has loaded; closed afterwards."""
        target = httpx.put(f"http://{self._devtools}/json/new?{quote(url, safe=':/?&=')}").json()
        try:
            with connect(target["webSocketDebuggerUrl"], max_size=None) as socket:
                page = Page(socket)
                page.wait_until("document.readyState === 'complete'")
                yield page
        finally:
            httpx.get(f"http://{self._devtools}/json/close/{target['id']}")


class Page:
    """One tab: evaluates JavaScript (awaiting promises) and returns JSON values."""

    def __init__(self, socket: ClientConnection) -> None:
        self._socket = socket
        self._next_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        self._socket.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:  # events arrive in between; the answer carries our id
            message = json.loads(self._socket.recv(timeout=_TIMEOUT))
            if message.get("id") == self._next_id:
                assert "error" not in message, message
                result: dict[str, Any] = message["result"]
                return result

    def evaluate(self, expression: str) -> Any:
        answer = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        assert "exceptionDetails" not in answer, answer["exceptionDetails"]
        return answer["result"].get("value")

    def wait_until(self, condition: str) -> None:
        deadline = time.monotonic() + _TIMEOUT
        while not self.evaluate(condition):
            assert time.monotonic() < deadline, f"timed out waiting for {condition}"
            time.sleep(0.05)
