"""The README's "A walk through the API", pasted into bash as a reader would, against a real
`todo serve` that already holds someone else's task (so ids do not start at 1)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import httpx

from entrypoints.tokens import mint_token
from tests.conftest import _unavailable
from tests.served import SECRET, serving

README = Path(__file__).resolve().parents[2] / "README.md"
_STATUS = re.compile(r"HTTP/1\.1 ([0-9]{3}) ")


def walkthrough() -> str:
    """The shell block of the section "A walk through the API"."""
    text = README.read_text()
    section = text.split("## A walk through the API", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert found is not None, "no ```sh block in the walk-through"
    return found.group(1)


def token_for(user: str) -> str:
    return mint_token(SECRET, user, now=datetime.now(UTC))


def test_the_walkthrough_acts_on_the_task_it_created(tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        _unavailable("curl not found (the walk-through uses it)")
    with serving(tmp_path) as base:
        someone = {"Authorization": f"Bearer {token_for('someone-else')}"}
        seeded = httpx.post(f"{base}/api/someone-else/tasks", json={"title": "x"}, headers=someone)
        assert seeded.status_code == 201
        env = {"PATH": os.environ["PATH"], "TOKEN": token_for("demo-user")}
        result = subprocess.run(  # noqa: S603  (bash, the README's own block)
            ["/bin/bash", "-euo", "pipefail", "-c", walkthrough()],
            env={**env, "API": f"{base}/api/demo-user"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    assert _STATUS.findall(output) == ["201", "200", "200", "200", "204"], output
    assert 'rel="next-occurrence"' in output
    assert '"title":"Pay the rent"' in output
