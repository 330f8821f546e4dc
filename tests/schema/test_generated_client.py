"""A typed client generated from `/openapi.json` by openapi-python-client drives the whole task
flow (create, list, get, patch, complete, delete), in-process, with nothing hand-written."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.api.conftest import Api, running_api, settings_for

PACKAGE = "todo_client"
CONFIG = f"post_hooks: []\nproject_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\n"


def generate(schema: dict[str, Any], where: Path) -> None:
    (where / "openapi.json").write_text(json.dumps(schema))
    (where / "config.yml").write_text(CONFIG)
    generator = Path(sys.executable).with_name("openapi-python-client")
    options = ["--path", "openapi.json", "--config", "config.yml", "--meta", "none"]
    result = subprocess.run(  # noqa: S603  (the pinned dev tool, fixed arguments)
        [str(generator), "generate", *options, "--output-path", PACKAGE],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in (result.stdout + result.stderr).lower(), result.stdout


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[Any]:
    """Imports `name` from the generated package (removed from sys.modules afterwards)."""
    sys.path.insert(0, str(tmp_path))
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def module(generated: Any, name: str) -> ModuleType:
    loaded: ModuleType = generated(name)
    return loaded


async def test_a_generated_client_drives_the_whole_task_flow(
    tmp_path: Path, generated: Any
) -> None:
    async with running_api(settings_for()) as api:
        generate((await api.client.get("/openapi.json")).json(), tmp_path)
        flow = Flow(api, generated)
        async with flow.client:
            task_id, etag = await flow.create_list_and_get()
            gone = await flow.edit_complete_and_delete(task_id, etag)
    assert (gone.status, gone.type_) == (404, "/problems/not-found")


class Flow:
    """The generated package's client, models and task operations, for one user."""

    def __init__(self, api: Api, generated: Any) -> None:
        self.models = module(generated, "models")
        self.tasks = {op: module(generated, f"api.tasks.tasks_{op}") for op in _OPERATIONS}
        self.client = module(generated, "client").AuthenticatedClient(
            base_url="http://testserver",
            token=api.auth()["Authorization"].removeprefix("Bearer "),
            httpx_args={"transport": httpx.ASGITransport(api.app)},
        )
        self.user = api.user_id

    async def create_list_and_get(self) -> tuple[int, str]:
        models, tasks, client = self.models, self.tasks, self.client
        body = models.TaskCreate(
            title="Pay rent", tags="home, bills", priority=models.Priority.HIGH
        )
        created = await tasks["create"].asyncio_detailed(self.user, client=client, body=body)
        assert created.status_code == 201
        task = created.parsed
        assert isinstance(task, models.TaskOut)
        assert (task.title, task.tags, task.version) == ("Pay rent", ["home", "bills"], 1)
        assert created.headers["Location"].endswith(f"/tasks/{task.id}")
        listed = await tasks["list"].asyncio(
            self.user, client=client, status=models.TasksListStatus.INCOMPLETE, tag=["home"]
        )
        assert [row.id for row in listed] == [task.id]
        fetched = await tasks["get"].asyncio_detailed(self.user, task.id, client=client)
        assert fetched.parsed.to_dict() == task.to_dict()
        return task.id, fetched.headers["ETag"]

    async def edit_complete_and_delete(self, task_id: int, etag: str) -> Any:
        """Edit, a stale edit (412), complete, delete; the answer to reading it again."""
        models, tasks, client, user = self.models, self.tasks, self.client, self.user
        edit = models.TaskUpdate(title="Pay the rent")
        patched = await tasks["patch"].asyncio(
            user, task_id, client=client, body=edit, if_match=etag
        )
        assert (patched.title, patched.version) == ("Pay the rent", 2)
        stale = await tasks["patch"].asyncio(user, task_id, client=client, body=edit, if_match=etag)
        assert isinstance(stale, models.Problem)
        assert (stale.status, stale.type_) == (412, "/problems/version-mismatch")
        done = models.CompletionRequest(completed=True)
        completed = await tasks["complete"].asyncio(user, task_id, client=client, body=done)
        assert (completed.completed, completed.version) == (True, 3)
        deleted = await tasks["delete"].asyncio_detailed(user, task_id, client=client)
        assert deleted.status_code == 204
        gone = await tasks["get"].asyncio(user, task_id, client=client)
        assert isinstance(gone, models.Problem)
        return gone


_OPERATIONS = ("create", "list", "get", "patch", "complete", "delete")
