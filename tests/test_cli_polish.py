"""The `kb` command's surface, in this process over a real index folder built with the test embedder:
--version, stats, documents' filters and pages, errors under --json, plurals, the counts the commands agree on,
`kb remove`, and `kb serve` on a port already taken."""

from __future__ import annotations

import json
import logging
import re
import socket
from pathlib import Path

import pytest
from conftest import CORPUS, HashingEmbedder, fake_kb_at, fake_settings
from typer.testing import CliRunner, Result

from kb.cli import app as cli_app
from kb.indexing import index_paths
from kb.maintenance.check import check
from kb.retrieval.search import search
from kb.storage.filters import DocumentFilters


def kb(home: Path, *args: str) -> Result:
    """``kb`` in this process; the commands used here never load the model."""
    return CliRunner().invoke(cli_app, [*args, "--home", str(home)], env={"COLUMNS": "250"})


@pytest.fixture
def home(tmp_path) -> Path:
    index_paths(fake_kb_at(tmp_path), [CORPUS])
    return tmp_path


def test_version():
    done = CliRunner().invoke(cli_app, ["--version"])
    assert done.exit_code == 0 and re.fullmatch(r"kb \d+\.\d+\.\d+\S*\n", done.stdout)


def test_stats_is_a_table_and_json_on_request(home):
    shown = kb(home, "stats")
    assert shown.exit_code == 0 and re.search(r"passages\s+67\b", shown.stdout)
    assert re.search(r"document cards\s+2\b", shown.stdout) and "{" not in shown.stdout
    figures = json.loads(kb(home, "stats", "--json").stdout)
    assert (figures["documents"], figures["chunks"], figures["cards"]) == (2, 67, 2)


def test_index_stats_and_check_count_alike(home):
    last_run = " ".join(kb(home, "stats").stdout.split())  # the run's line as `kb index` printed it, unwrapped
    assert "2 files: 2 indexed, 0 unchanged, 0 copies, 0 skipped, 0 errors; 67 passages;" in last_run
    report = check(fake_settings(home), embedder=HashingEmbedder())
    details = {f.name: f.detail for f in report.findings}
    assert details["vectors"] == "69 vectors for 67 passages and 2 document cards"
    assert details["lexicon"] == "lexicon.npz in step with the 67 passages and 2 document cards once caught up"


def test_plurals(home):
    (home / "one").mkdir()
    (home / "one" / "a.bin").write_bytes(b"\x00")
    index_paths(fake_kb_at(home), [home / "one"])
    shown = " ".join(kb(home, "stats").stdout.split())
    assert "1 file: 0 indexed" in shown and "0 copies" in shown and "0 passages" in shown


def test_documents_filters_and_pages_as_the_api(home, client):
    listed = json.loads(kb(home, "documents", "--json", "--per-page", "1", "--page", "2").stdout)
    assert (listed["total"], listed["page"], listed["per_page"], len(listed["items"])) == (2, 2, 1, 1)
    api = client.get("/api/documents", params={"per_page": 1, "page": 2}).json()
    assert [d["source"] for d in listed["items"]] == [d["source"] for d in api["items"]]
    plans = json.loads(kb(home, "documents", "--json", "--type", "Kế hoạch").stdout)["items"]
    assert [d["doc_type"] for d in plans] == ["Kế hoạch"]
    assert json.loads(kb(home, "documents", "--json", "--title", "ke hoach tuyen truyen").stdout)["total"] == 1
    shown = kb(home, "documents", "--per-page", "1").stdout
    assert "Page 1 of 2: 1 document of 2" in shown


@pytest.mark.parametrize("args, code, kind", [
    (["show", "4242", "--json"], 1, "NotFoundError"),
    (["documents", "--since", "20x", "--json"], 1, "InvalidQueryError"),
    (["documents", "--access", "secret", "--json"], 2, "BadParameter"),
    (["search", "--json"], 2, "MissingParameter"),
])
def test_errors_under_json_are_json_on_stdout(home, args, code, kind):
    done = kb(home, *args)
    assert done.exit_code == code
    error = json.loads(done.stdout)
    assert error["error"] == kind and error["exit_code"] == code and error["message"]


def test_errors_without_json_are_one_line(home):
    done = kb(home, "show", "4242")
    assert done.exit_code == 1 and done.stdout == "" and done.stderr.strip() == "Error: No document with id 4242"


def test_remove_leaves_nothing_stale(home, caplog):
    before = json.loads(kb(home, "stats", "--json").stdout)
    removed = kb(home, "remove", "1")
    assert removed.exit_code == 0 and "Removed document 1" in removed.stdout
    report = check(fake_settings(home), embedder=HashingEmbedder())
    assert report.ok and "deleted since" not in " ".join(f.detail for f in report.findings)
    after = fake_kb_at(home)
    with caplog.at_level(logging.WARNING, logger="kb"):
        search(after, "kế hoạch tuyên truyền", 3, DocumentFilters())
    assert not caplog.records, [r.getMessage() for r in caplog.records]
    assert len(after.open_vectors()) == before["chunks"] + before["cards"] - 29  # the plan: 28 passages and its card


def test_serve_on_a_busy_port_says_so_at_once(home):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = kb(home, "serve", "--port", str(port))
    assert done.exit_code == 1
    assert f"Port {port} on 127.0.0.1 is already in use" in done.stderr and "Traceback" not in done.stderr


def test_serve_answers_without_waiting_for_the_clients_acknowledgement():
    """Connections to the socket kb serve hands uvicorn have Nagle's algorithm off, as uvicorn's own do:
    asyncio sets ``TCP_NODELAY`` only on a socket that names its protocol, and without it every API
    answer, written in two pieces, waited 40 ms for the client's delayed acknowledgement."""
    import asyncio

    from kb.cli_common import listening_socket

    sock = listening_socket("127.0.0.1", 0)

    async def accepted_nodelay() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accept, sock=sock)
        async with server:
            _, client = await asyncio.open_connection(*sock.getsockname()[:2])
            nodelay = await asyncio.wait_for(seen, 10)
            client.close()
        return nodelay

    assert asyncio.run(accepted_nodelay())
