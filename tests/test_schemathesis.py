"""Schemathesis against the live server's /openapi.json: generated requests to every operation, no failures.

It runs the CLI (``python -m schemathesis.cli``) on a throwaway copy of the corpus,
with an editor key so the write endpoints are exercised too, a bounded number of
examples per operation and a fixed seed (a failure reproduces with the printed
command).  Real document and job ids are given to it as dictionaries, so it
reaches existing documents, not only 404s.

Uploads are checked beyond what OpenAPI can say (the file's bytes must match its
name; sizes): for those two operations, 413 and 415 count as accepting valid data.
Likewise a search's or a listing's filters: a date that does not exist (``0000``,
``2025-02-30``) or a type kb does not know is a string to OpenAPI and a 422 to kb.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import httpx
from conftest import CORPUS, PLAN, running_server, wait_for_job, writable_copy

EXAMPLES = 25
SEED = 20261124
CONFIG = """
[parameters]
"path.doc_id" = {{ dictionary = "documents", probability = 0.5 }}
"path.job_id" = {{ dictionary = "jobs", probability = 0.5 }}

[dictionaries.documents]
values = {documents}

[dictionaries.jobs]
values = {jobs}

[[operations]]
include-name-regex = "^(POST|PUT) /api/documents(/[^/]+)?$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "413", "415"]

[[operations]]
include-name-regex = "^PUT /api/documents/[^/]+/status$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

[[operations]]
include-name-regex = "^POST /api/related$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "403", "413", "415"]

[[operations]]
include-name-regex = "^GET /api/(search|documents)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "422"]
"""


def test_schemathesis_finds_no_failure(corpus_kb, model_path, tmp_path):
    key = writable_copy(corpus_kb, tmp_path / "home")
    with running_server(tmp_path / "home", model_path) as url:
        headers = {"X-API-Key": key}
        accepted = httpx.post(f"{url}/api/documents", headers=headers, timeout=60,
                              files=[("files", ("ke-hoach.md", (CORPUS / PLAN).read_bytes()))]).json()
        with httpx.Client(base_url=url, timeout=30) as http:
            job = wait_for_job(http, key, accepted["job_id"])
        documents = [d["id"] for d in httpx.get(f"{url}/api/documents", headers=headers).json()["items"]]
        config = tmp_path / "schemathesis.toml"
        config.write_text(CONFIG.format(documents=json.dumps(documents), jobs=json.dumps([job["id"]])))
        command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run",
                   f"{url}/openapi.json", "--header", f"X-API-Key: {key}", "--max-examples", str(EXAMPLES),
                   "--seed", str(SEED), "--request-timeout", "60", "--no-color"]
        run = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600,
                             cwd=tmp_path)  # its caches go there, not into the project
    report = run.stdout[-8000:] + run.stderr[-2000:]
    assert run.returncode == 0, f"schemathesis found failures:\n{report}"
    assert re.search(r"(\d+) generated, \1 passed", run.stdout), report
