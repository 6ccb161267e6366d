"""kb adapt: training pairs from a real index, the vector switch, and (e2e) a tiny adaptation of the real model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, HashingEmbedder, fake_kb_at
from pg_store import BACKENDS, backend_home
from test_access import DIRECTIVE_TEXT

from kb.adaptation.adapt import AdaptOptions, adapt, revert
from kb.adaptation.pairs import CITATION, HEADING, TITLE, build_pairs, heading_words
from kb.config import load_settings
from kb.embedding.finetune import TrainingOptions, batches
from kb.errors import ModelMismatchError
from kb.indexing import index_paths
from kb.knowledge_base import KnowledgeBase
from kb.maintenance.check import check_kb
from kb.retrieval.search import search


@pytest.fixture(scope="module")
def citing_kb(tmp_path_factory) -> KnowledgeBase:
    """The corpus and Chỉ thị 05-CT/TW, which its bulletin cites, indexed with the hashing stand-in."""
    folder = tmp_path_factory.mktemp("docs")
    for path in CORPUS.iterdir():
        shutil.copy(path, folder / path.name)
    (folder / "chi-thi-05.txt").write_text(DIRECTIVE_TEXT, encoding="utf-8")
    kb = fake_kb_at(tmp_path_factory.mktemp("home"))
    index_paths(kb, [folder])
    return kb


def test_heading_words_drop_numbering() -> None:
    assert heading_words("Điều 8. Quyền của công dân về cư trú") == "Quyền của công dân về cư trú"
    assert heading_words("II. NHIỆM VỤ, GIẢI PHÁP") == "NHIỆM VỤ, GIẢI PHÁP"
    assert heading_words("3. Kết quả 01 năm thực hiện") == "Kết quả 01 năm thực hiện"
    assert heading_words("a) Tuyên truyền") == "Tuyên truyền"
    assert heading_words("Mục đích, yêu cầu") == "Mục đích, yêu cầu"


def test_pairs_from_a_real_index(citing_kb: KnowledgeBase) -> None:
    pairs = build_pairs(citing_kb.store, held_out_share=0.0)
    kinds = pairs.counts()
    assert kinds[HEADING] > 20 and kinds[TITLE] >= 4 and kinds[CITATION] >= 1
    for pair in pairs.train:
        if pair.kind == HEADING:  # the heading is not given away with its passage
            assert not pair.positive.split("\n")[0].endswith(pair.anchor)
        assert "Phần đầu văn bản" not in pair.positive and "Phần cuối văn bản" not in pair.positive
    citation = next(p for p in pairs.train if p.kind == CITATION)
    assert "05-CT/TW" in citation.anchor and "Hồ Chí Minh" in citation.positive
    assert len({(p.anchor, p.positive) for p in pairs.train}) == len(pairs.train)


def test_pairs_hold_out_documents(citing_kb: KnowledgeBase) -> None:
    documents = [row["id"] for row in citing_kb.store.documents.listing()]
    pairs = build_pairs(citing_kb.store, held_out=documents[:1])
    assert pairs.held_out_documents == documents[:1] and pairs.held_out
    assert all(documents[0] not in p.documents for p in pairs.train)
    assert all(documents[0] in p.documents for p in pairs.held_out)
    assert len(build_pairs(citing_kb.store, held_out_share=0.0, max_pairs=10).train) == 10


def test_batches_never_repeat_a_text_and_are_reproducible(citing_kb: KnowledgeBase) -> None:
    texts = [(p.anchor, p.positive) for p in build_pairs(citing_kb.store, held_out_share=0.0).train]
    options = TrainingOptions(batch_size=8)
    plan = batches(texts, options)
    assert plan == batches(texts, options)
    for batch in plan:
        anchors, positives = [texts[i][0] for i in batch], [texts[i][1] for i in batch]
        assert len(set(anchors)) == len(anchors) and len(set(positives)) == len(positives)
        assert 2 <= len(batch) <= 8
    assert sorted(i for batch in plan for i in batch) == sorted(set(i for batch in plan for i in batch))


class _Narrower(HashingEmbedder):
    name, dimension, fingerprint = "narrower-test-embedder", 32, "narrower-test-embedder-32"


@pytest.mark.parametrize("backend", BACKENDS)
def test_switch_model_replaces_every_vector_and_the_record(request, backend: str, tmp_path: Path) -> None:
    home = backend_home(request, tmp_path / "home", backend)
    kb = fake_kb_at(home)
    index_paths(kb, [CORPUS])
    chunks = kb.store.chunks.count()
    seen: list[tuple[int, int]] = []
    assert kb.switch_model(_Narrower(), lambda done, total: seen.append((done, total)), batch=16) == chunks
    assert seen[-1] == (chunks, chunks) and len(seen) > 1
    assert kb.read_recorded_model()["fingerprint"] == _Narrower.fingerprint  # config.json, or meta 'model'
    assert not (home / "vectors.next.tmp").exists()
    reopened = KnowledgeBase(load_settings(home), embedder=_Narrower())
    assert len(reopened.open_vectors()) == chunks and reopened.open_vectors().dimension == 32
    assert search(reopened, "tuyên truyền đại hội").results
    assert check_kb(reopened).ok


class _Failing(_Narrower):
    """The narrower model, failing at its ``fail_at``-th batch (a kill, a lost server)."""

    def __init__(self, fail_at: int) -> None:
        self.calls, self.fail_at = 0, fail_at

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_at:
            raise _Interrupted
        return super().encode_passages(texts)


@pytest.mark.e2e
def test_an_interrupted_switch_on_postgres_resumes_and_an_old_writer_is_refused(request, tmp_path: Path) -> None:
    home = backend_home(request, tmp_path / "home", "postgres")
    kb, writer = fake_kb_at(home), fake_kb_at(home)  # writer: another process, still on the old model
    index_paths(kb, [CORPUS / "ke-hoach-tuyen-truyen-dai-hoi-2020-2025.md"])
    writer.open_embedder(), writer.open_vectors()  # as a running worker has them
    before = search(kb, "tuyên truyền đại hội").results
    with pytest.raises(_Interrupted):
        kb.switch_model(_Failing(fail_at=3), lambda *_: None, batch=8)
    assert kb.read_recorded_model()["fingerprint"] == HashingEmbedder.fingerprint  # the old model still serves
    assert [r.chunk_id for r in search(kb, "tuyên truyền đại hội").results] == [r.chunk_id for r in before]
    seen: list[tuple[int, int]] = []
    resumed = _Failing(fail_at=0)
    kb.switch_model(resumed, lambda done, total: seen.append((done, total)), batch=8)
    assert seen[0][0] == 24 and resumed.calls == len(seen) - 1  # two batches were kept: not embedded again
    assert check_kb(kb).ok
    refused, = index_paths(writer, [CORPUS / "thong-tin-sinh-hoat-noi-bo-2020-12.txt"]).files
    assert refused.status == "error" and refused.code == ModelMismatchError.__name__ and "restart it" in refused.reason
    assert check_kb(kb).ok  # nothing of the old model went in


class _Interrupted(Exception):
    pass


@pytest.mark.e2e
def test_adapt_trains_resumes_switches_and_reverts(tmp_path: Path) -> None:
    index_paths(fake_kb_at(tmp_path), [CORPUS])  # the vectors are replaced whole: which model made them is moot
    options = AdaptOptions(max_pairs=16, training=TrainingOptions(batch_size=8, checkpoint_every=1))
    kb = KnowledgeBase(load_settings(tmp_path))

    def stop_after_one(done: int, total: int, loss: float) -> None:
        if done == 1:
            raise _Interrupted

    with pytest.raises(_Interrupted):
        adapt(kb, options, on_step=stop_after_one)
    assert (tmp_path / "models" / "adapt-work" / "checkpoint.pt").is_file()

    steps: list[int] = []
    report = adapt(kb, options, on_step=lambda done, total, loss: steps.append(done))
    assert steps == [1, 2]  # resumed after the first step
    model = Path(report.model)
    assert report.switched and (model / "model.safetensors").is_file() and (model / "onnx").is_dir()
    assert json.loads((tmp_path / "config.json").read_text())["model"] == str(model)
    assert json.loads((tmp_path / "settings.json").read_text())["model"] == str(model)
    assert not (tmp_path / "models" / "adapt-work").exists()
    reopened = KnowledgeBase(load_settings(tmp_path))
    assert reopened.open_embedder().name == str(model)
    assert search(reopened, "Chỉ thị 05 yêu cầu gì").results

    assert revert(KnowledgeBase(load_settings(tmp_path))) == report.chunks
    assert "model" not in json.loads((tmp_path / "settings.json").read_text()) and not model.exists()
    assert search(KnowledgeBase(load_settings(tmp_path)), "Chỉ thị 05 yêu cầu gì").results
