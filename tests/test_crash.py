"""A killed `kb index` never leaves what `kb check` cannot mend; the short form of bench/crash_harness.py."""

import importlib.util
import sys

import pytest
from conftest import CORPUS, PLAN, ROOT

from indexer.parse import parse_document
from indexer.read import read_file
from kb.config import Limits
from kb.storage.store import Store


def _harness():
    spec = importlib.util.spec_from_file_location("crash_harness", ROOT / "bench" / "crash_harness.py")
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_a_document_is_written_whole_or_not_at_all(tmp_path):
    """A failure between a document's inserts leaves none of them (sqlite-utils used to commit each)."""
    store = Store(tmp_path / "kb.sqlite")
    parsed = parse_document(read_file(CORPUS / PLAN, limits=Limits()))
    with pytest.raises(RuntimeError, match="killed"), store.db.transaction():
        store.documents.add(parsed, path="/plan.md", source=PLAN, content_hash="h")
        raise RuntimeError("killed between the document and the next one")
    assert store.documents.listing() == [] and store.chunks.all_ids() == set() and store.integrity.incomplete_documents() == []
    store.close()


@pytest.mark.e2e
def test_three_kills_at_commits_then_the_same_index_as_a_clean_run(corpus_kb, model_path, tmp_path):
    harness = _harness()
    summary = harness.run(CORPUS, tmp_path, model_path, kills=3, seed=3, reference=corpus_kb.settings.home,
                          strategies=("commit",), say=lambda line: None)
    assert len(summary.kills) == 3
    assert all(k.verdict in ("passed", "repaired") and k.queries_ok for k in summary.kills), summary.kills
    assert summary.final["equal"], summary.final
