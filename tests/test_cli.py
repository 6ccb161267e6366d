"""The `kb` command, run as users run it (a real process), over the indexed sample corpus."""

import json
import os
import subprocess
import sys

import httpx
from conftest import BULLETIN, CORPUS


def kb(corpus_kb, model_path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "kb", *args, "--home", str(corpus_kb.settings.home)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300,
                          env=os.environ | {"KB_MODEL": str(model_path), "COLUMNS": "200"})


def test_search_json_is_the_api_object(corpus_kb, model_path, server):
    done = kb(corpus_kb, model_path, "search", "Chỉ thị 05 yêu cầu gì", "-k", "3", "--json")
    assert done.returncode == 0, done.stderr
    cli = json.loads(done.stdout)
    api = httpx.get(f"{server}/api/search", params={"q": "Chỉ thị 05 yêu cầu gì", "k": 3}).json()
    assert cli == api
    assert cli["results"][0]["document"]["source"] == BULLETIN


def test_search_listing_highlights_and_names_the_issuer(corpus_kb, model_path):
    done = kb(corpus_kb, model_path, "search", "chi thi 05", "-k", "2")
    assert done.returncode == 0, done.stderr
    assert "Ban Tuyên giáo Tỉnh ủy" in done.stdout and BULLETIN in done.stdout


def test_search_says_once_what_it_searched_for_an_unaccented_query(corpus_kb, model_path):
    done = kb(corpus_kb, model_path, "search", "chi thi 05 yeu cau gi", "-k", "1")
    assert done.returncode == 0, done.stderr
    assert "Searched for: chỉ thị 05 yêu cầu gì" in done.stdout
    assert "Did you mean" not in done.stdout  # the same words again: only a mended typo is worth a second line


def test_documents_show_stats_json(corpus_kb, model_path):
    documents = json.loads(kb(corpus_kb, model_path, "documents", "--json").stdout)["items"]
    assert len(documents) == 2
    shown = json.loads(kb(corpus_kb, model_path, "show", str(documents[0]["id"]), "--json").stdout)
    assert shown["id"] == documents[0]["id"] and shown["chunks"]
    stats = json.loads(kb(corpus_kb, model_path, "stats", "--json").stdout)
    assert stats["documents"] == 2 and stats["garbled_chars"] > 5000


def test_errors_are_one_line_without_traceback(corpus_kb, model_path):
    done = kb(corpus_kb, model_path, "show", "424242")
    assert done.returncode == 1
    assert "No document with id 424242" in done.stderr and "Traceback" not in done.stderr


def test_index_prints_a_summary(tmp_path, model_path):
    done = subprocess.run([sys.executable, "-m", "kb", "index", str(CORPUS), "--home", str(tmp_path)],
                          capture_output=True, text=True, timeout=600,
                          env=os.environ | {"KB_MODEL": str(model_path), "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert "2 files: 2 indexed" in done.stdout and "garbled characters dropped" in done.stdout
