"""The README's quick start, as a new user types it, and what reading a folder without an index does.

The end-to-end test takes the commands from README.md and the Makefile themselves, so a quick start
that stops working, or a README that stops saying what works, fails here.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import BULLETIN, CORPUS, ROOT, HashingEmbedder, _free_port, fake_settings
from typer.testing import CliRunner

from kb.cli import app
from kb.errors import NoIndexError
from service.app import create_app

PORT = "8000"  # the README's port, replaced by a free one


def _block_after(text: str, marker: str) -> list[str]:
    """The command lines of the first ``sh`` block after ``marker``."""
    block = re.search(re.escape(marker) + r".*?```sh\n(.*?)```", text, re.DOTALL)
    assert block, f"README.md has no sh block after {marker!r}"
    return [line for line in block.group(1).splitlines() if line.strip()]


def _recipe(makefile: str, target: str) -> str:
    """The one command of a Makefile target, with ``$(KB)`` as the README's user has it."""
    match = re.search(rf"^{target}:.*\n\t(.+)$", makefile, re.MULTILINE)
    assert match, f"the Makefile has no {target} target"
    return match.group(1).replace("$(KB)", ".venv/bin/kb")


def test_reading_a_folder_without_an_index_says_where_and_creates_nothing(tmp_path):
    home = tmp_path / "nowhere"
    for command in (["search", "chi thi 05"], ["show", "1"], ["documents"], ["stats"]):
        result = CliRunner().invoke(app, [*command, "--home", str(home), "--json"])
        error = json.loads(result.stdout)
        assert result.exit_code == 1 and error["error"] == NoIndexError.__name__, (command, result.output)
        assert f"No index in {home}" in error["message"] and "kb index FOLDER" in error["message"]
    with pytest.raises(NoIndexError, match="No index in"):
        create_app(fake_settings(home), embedder=HashingEmbedder())
    assert not home.exists()


@pytest.mark.e2e
def test_the_readme_quick_start_works_as_written_on_a_fresh_account(tmp_path, model_path):
    """`make run` (its index and serve recipes), then the README's two commands, with HOME new and no KB_HOME."""
    readme, makefile = (ROOT / "README.md").read_text(), (ROOT / "Makefile").read_text()
    assert "export KB_HOME ?= $(CURDIR)/.kb" in makefile  # where `make run` puts the index
    project, home = tmp_path / "project", tmp_path / "home"
    shutil.copytree(CORPUS, project / "corpus")
    (project / ".venv").symlink_to(Path(sys.prefix))
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("KB_HOME", "KB_MODEL", "KB_BACKEND", "XDG_DATA_HOME")}
    # A new account on a machine whose model cache is built (building it is test_embedding's and test_model_cache's)
    env |= {"HOME": str(home), "COLUMNS": "200", "HF_HUB_OFFLINE": "1", "XDG_CACHE_HOME": str(model_path.parents[2])}
    make_env = env | {"KB_HOME": str(project / ".kb")}

    def run(line: str, environment: dict) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", line], cwd=project, env=environment, capture_output=True, text=True,
                              timeout=600)

    indexed = run(_recipe(makefile, "index"), make_env)
    assert indexed.returncode == 0 and "2 indexed" in indexed.stdout, indexed.stderr
    port = str(_free_port())
    serving = subprocess.Popen(["bash", "-c", "exec " + _recipe(makefile, "serve").replace(PORT, port)], cwd=project,
                               env=make_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(f"http://127.0.0.1:{port}/health")
        curl, search = _block_after(readme, "Then, in another terminal")
        answered = run(curl.replace(f":{PORT}/", f":{port}/"), env)
        assert answered.returncode == 0, answered.stderr
        assert json.loads(answered.stdout)["results"][0]["document"]["source"] == BULLETIN
    finally:
        serving.terminate()
        serving.wait(timeout=90)
    found = run(search, env)
    assert found.returncode == 0, found.stderr
    assert "Ban Tuyên giáo Tỉnh ủy" in found.stdout and BULLETIN in found.stdout

    forgotten = run(search.replace("KB_HOME=.kb ", ""), env)  # the line without the index folder: told what to type
    default, said = home / ".local" / "share" / "kb", " ".join(forgotten.stderr.split())  # rich wraps long lines
    assert forgotten.returncode == 1 and f"No index in {default}" in said
    assert "KB_HOME=.kb" in said and not default.exists()


def _wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")
