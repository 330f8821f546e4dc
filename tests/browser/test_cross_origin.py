"""A front end in a real browser: a page served from another origin uses `fetch` with
`credentials: "include"` and a bearer token against a real `todo serve`, the way the Next.js
front ends written for this API do. Headless Chromium from Debian's packages."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from entrypoints.tokens import mint_token
from tests.browser.chromium import Chromium, Page, find_chromium
from tests.conftest import _unavailable
from tests.served import SECRET, free_port, serving

USER = "browser-user"
PAGE = Path(__file__).with_name("front_end.html")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No request lines on stderr."""


@pytest.fixture(scope="module")
def page_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A tiny static server for the front end, on its own port (another origin)."""
    root = tmp_path_factory.mktemp("site")
    (root / "index.html").write_bytes(PAGE.read_bytes())
    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield port
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def api(page_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`todo serve` that lists the page's origin (and only it) in CORS_ORIGINS."""
    with serving(
        tmp_path_factory.mktemp("serve"), cors_origins=f"http://127.0.0.1:{page_port}"
    ) as base:
        yield f"{base}/api/{USER}"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    executable = find_chromium()
    if executable is None:
        _unavailable("chromium not found (apt-get install chromium)")
    assert executable is not None
    with Chromium(executable, tmp_path_factory.mktemp("chromium") / "profile") as running:
        yield running


def run_page(browser: Chromium, origin: str, api: str, function: str) -> Any:
    """`function(api, token)` as the page at `origin` runs it."""
    token = mint_token(SECRET, USER, now=datetime.now(UTC))
    page: Page
    with browser.open(f"{origin}/index.html") as page:
        return page.evaluate(f"{function}({json.dumps(api)}, {json.dumps(token)})")


@pytest.fixture(scope="module")
def flows(browser: Chromium, page_port: int, api: str) -> dict[str, Any]:
    """Every flow of the page, run once: create, list, edit, toggle, delete, a 422."""
    result: dict[str, Any] = run_page(browser, f"http://127.0.0.1:{page_port}", api, "run")
    return result


class TestFromAnotherOriginWithCredentials:
    def test_creating_answers_201_with_readable_location_and_etag(
        self, flows: dict[str, Any]
    ) -> None:
        created = flows["created"]
        assert created["status"] == 201
        assert created["body"]["tags"] == ["home", "garden"]
        assert created["location"].endswith(f"/tasks/{created['body']['id']}")
        assert created["etag"] == '"1"'
        assert created["requestId"]

    def test_listing_finds_the_task(self, flows: dict[str, Any]) -> None:
        assert flows["listed"]["status"] == 200
        assert [task["id"] for task in flows["listed"]["body"]] == [flows["created"]["body"]["id"]]

    def test_editing_with_if_match_from_the_etag(self, flows: dict[str, Any]) -> None:
        edited = flows["edited"]
        assert (edited["status"], edited["body"]["title"]) == (200, "Water the plants")
        assert edited["etag"] == '"2"'

    def test_toggling_completes_and_links_the_next_occurrence(self, flows: dict[str, Any]) -> None:
        toggled = flows["toggled"]
        assert (toggled["status"], toggled["body"]["completed"]) == (200, True)
        assert 'rel="next-occurrence"' in toggled["link"]

    def test_deleting_answers_204(self, flows: dict[str, Any]) -> None:
        assert (flows["deleted"]["status"], flows["deleted"]["body"]) == (204, None)

    def test_a_422_is_readable_with_its_fields_named(self, flows: dict[str, Any]) -> None:
        invalid = flows["invalid"]
        assert invalid["status"] == 422
        assert invalid["body"]["detail"].startswith("title: must not be blank; recurring: ")
        assert {tuple(error["loc"]) for error in invalid["body"]["errors"]} == {
            ("body", "title"),
            ("body", "recurring"),
        }


def test_a_page_from_an_unlisted_origin_is_refused(
    browser: Chromium, page_port: int, api: str
) -> None:
    """`localhost` is another origin than the listed `127.0.0.1`: the browser refuses."""
    refused = run_page(browser, f"http://localhost:{page_port}", api, "probe")
    assert refused == {"refused": "TypeError"}
