"""The lexical index: BM25 as FTS5 computes it, kept in step with SQLite, its snapshot a cache."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest

from indexer.analyzer import fold
from indexer.model import Chunk, DocumentMeta, ParsedDocument, SourceText
from kb.config import load_settings
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.lexicon import MAX_SEGMENTS, Lexicon
from kb.retrieval.query import understand

WEIGHTS = {"accented": 6.0, "folded": 1.0}
QUERIES = ["Chỉ thị 05 yêu cầu gì", "chi thi 05 yeu cau gi", "đợt tuyên truyền thứ ba", "Kế hoạch 131-KH/TU",
           "tuyên truyền tuyên truyền", "what does Directive 05 require", "pa-nô, áp phích", "Đại hội XI"]


def _fts5_scores(rows: list[tuple[int, str, str]], phrases) -> dict[int, float]:
    """SQLite's own bm25() over the same rows: the oracle."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(accented, folded, tokenize='unicode61 remove_diacritics 0')")
    db.executemany("INSERT INTO t(rowid, accented, folded) VALUES (?, ?, ?)", rows)
    by_column: dict[str, list[str]] = {}
    for column, words in phrases:
        by_column.setdefault(column, []).append('"' + " ".join(words) + '"')
    match = " OR ".join(f"{c} : ({' OR '.join(p)})" for c, p in by_column.items())
    return dict(db.execute("SELECT rowid, -bm25(t, 6.0, 1.0) FROM t WHERE t MATCH ?", [match]))


def _rows(kb: KnowledgeBase) -> list[tuple[int, str, str]]:
    return [row for rows in kb.store.chunks.columns(0, 10**9) for row in rows]


def _assert_fts5_scores(kb: KnowledgeBase, phrases) -> None:
    ids, scores = kb.lexicon.current().scores(phrases, WEIGHTS)
    expected = _fts5_scores(_rows(kb), phrases) if phrases else {}
    assert sorted(ids.tolist()) == sorted(expected)
    for chunk_id, score in zip(ids.tolist(), scores.tolist()):
        assert score == pytest.approx(expected[chunk_id], rel=1e-5)


@pytest.mark.parametrize("query", QUERIES)
def test_scores_are_fts5_bm25_on_the_sample_corpus(fake_kb, query):
    understood = understand(query)
    _assert_fts5_scores(fake_kb, understood.syllables())
    _assert_fts5_scores(fake_kb, understood.pairs())


def _document(title: str, *passages: str) -> ParsedDocument:
    chunks = [Chunk(text, ["I. NỘI DUNG"], 0, len(text)) for text in passages]
    return ParsedDocument(SourceText(Path(f"{title}.txt"), " ".join(passages), "utf-8", "text"),
                          DocumentMeta(title=title), chunks, [])


def _add(kb: KnowledgeBase, title: str, *passages: str) -> int:
    with kb.store.db.transaction():
        return kb.store.documents.add(_document(title, *passages), path=f"/x/{title}", source=title,
                                     content_hash=title)[0]


def _found(kb: KnowledgeBase, query: str) -> set[int]:
    return set(kb.lexicon.current().scores(understand(query).syllables(), WEIGHTS)[0].tolist())


@pytest.fixture
def kb(tmp_path):
    knowledge_base = KnowledgeBase(load_settings(tmp_path / "home"))
    yield knowledge_base
    knowledge_base.close()


def test_it_follows_what_sqlite_commits_and_deletes(kb):
    first = _add(kb, "a", "Tuyên truyền khẩu hiệu trên pa nô", "Thực hiện Chỉ thị số 05-CT/TW")
    assert _found(kb, "pa nô") == set(kb.store.documents.chunk_ids(first)[:1])
    second = _add(kb, "b", "Pa nô cổ động trực quan")
    assert len(_found(kb, "pa nô")) == 2
    with kb.store.db.transaction():
        kb.store.documents.delete(first)
    assert _found(kb, "pa nô") == set(kb.store.documents.chunk_ids(second))
    assert len(kb.lexicon.current()) == kb.store.chunks.count() == 1


def test_unaccented_query_heading_path_and_query_syntax(kb):
    _add(kb, "a", "Cổ động trực quan bằng pa nô")
    assert _found(kb, "co dong truc quan")
    assert _found(kb, "NỘI DUNG")  # the heading path is part of what is matched
    assert _found(kb, 'NEAR( "AND OR * ^') == set()


def test_a_syllable_is_found_however_its_i_or_y_is_spelled(kb):
    """"định kì" finds "định kỳ" (and "qui định" "quy định"), accented, folded and as a pair; a passage that
    holds both spellings counts each, as one term."""
    first = set(kb.store.documents.chunk_ids(_add(kb, "a", "Tiếp công dân định kỳ vào ngày 10 hằng tháng theo quy định")))
    both = set(kb.store.documents.chunk_ids(_add(kb, "b", "Họp định kì, định kỳ mỗi quý")))
    for query in ("định kì", "dinh ki", "định kỳ", "qui định"):
        assert _found(kb, query) >= first, query
    assert _found(kb, "định kì") == first | both
    pairs = kb.lexicon.current().scores(understand("định kì").pairs(), WEIGHTS)[0].tolist()
    assert set(pairs) == first | both
    lexicon = kb.lexicon.current()
    assert lexicon.postings("accented", ("kì",))[1].tolist() == lexicon.postings("accented", ("kỳ",))[1].tolist() == [1, 2]
    assert lexicon.coverage([("dinh",), ("ki",)], sorted(first)) == [1.0]


def test_both_spellings_postings_merge_in_order_each_chunk_once():
    """Chunks of either spelling in id order, a chunk that holds both once with both counts, whichever is longer."""
    lexicon = Lexicon()
    texts = {1: "quản lý", 2: "quản lí", 3: "lý lí lý", 4: "khác", 6: "lí", 7: "lí lí", 9: "lý"}
    lexicon.add((chunk, text, fold(text)) for chunk, text in texts.items())
    for spelled in ("lý", "lí"):
        chunks, counts = lexicon.postings("accented", (spelled,))
        assert chunks.tolist() == [1, 2, 3, 6, 7, 9] and counts.tolist() == [1, 1, 3, 1, 2, 1]


def test_another_writer_is_seen(kb, tmp_path):
    _add(kb, "a", "Chỉ thị 05")
    assert len(kb.lexicon.current()) == 1
    other = KnowledgeBase(load_settings(tmp_path / "home"))  # another process, as far as SQLite can tell
    try:
        _add(other, "b", "Kế hoạch 131")
        with other.store.db.transaction():
            other.store.documents.delete(1)
    finally:
        other.close()
    assert _found(kb, "kế hoạch") and not _found(kb, "chỉ thị")
    assert len(kb.lexicon.current()) == 1


def test_snapshot_is_read_back_and_caught_up(kb, tmp_path, caplog):
    _add(kb, "a", "Chỉ thị 05 về học tập và làm theo tư tưởng")
    kb.lexicon.refresh()
    assert kb.lexicon.path.exists()
    _add(kb, "b", "Kế hoạch 131 tuyên truyền")
    reopened = KnowledgeBase(load_settings(tmp_path / "home"))
    caplog.clear()
    try:
        with caplog.at_level(logging.INFO, logger="kb"):
            assert _found(reopened, "kế hoạch") and _found(reopened, "chỉ thị")
        assert "building the lexical index" not in caplog.text
        assert reopened.lexicon.current().scores(understand("tuyên truyền").syllables(), WEIGHTS)[1].tolist() == \
            kb.lexicon.current().scores(understand("tuyên truyền").syllables(), WEIGHTS)[1].tolist()
    finally:
        reopened.close()


@pytest.mark.parametrize("damage", ["garbage", "other database"])
def test_a_snapshot_that_does_not_belong_is_rebuilt(kb, tmp_path, damage, caplog):
    _add(kb, "a", "Chỉ thị 05")
    if damage == "garbage":
        kb.lexicon.path.write_bytes(b"PK\x03\x04 not a snapshot")
    else:
        elsewhere = KnowledgeBase(load_settings(tmp_path / "elsewhere"))
        _add(elsewhere, "z", "Nghị quyết 18", "Nghị quyết 19")
        elsewhere.lexicon.refresh()
        elsewhere.close()
        shutil.copy(elsewhere.lexicon.path, kb.lexicon.path)
    reopened = KnowledgeBase(load_settings(tmp_path / "home"))
    caplog.clear()
    try:
        with caplog.at_level(logging.INFO, logger="kb"):
            assert _found(reopened, "chỉ thị") and not _found(reopened, "nghị quyết")
        assert "building the lexical index" in caplog.text
    finally:
        reopened.close()


def test_many_small_additions_keep_few_segments_and_the_same_scores(kb):
    for n in range(3 * MAX_SEGMENTS):
        _add(kb, f"d{n}", f"Kế hoạch số {n} về tuyên truyền", "Chỉ thị 05 yêu cầu")
        kb.lexicon.current()  # noqa: B018 - each addition caught up on its own, as a serving process does
    with kb.store.db.transaction():
        kb.store.documents.delete(3)
    assert all(len(s) <= MAX_SEGMENTS for s in kb.lexicon.current().segments.values())
    _assert_fts5_scores(kb, understand("kế hoạch tuyên truyền").syllables())


def test_lexicon_refuses_chunks_out_of_order():
    lexicon = Lexicon()
    lexicon.add([(5, "a", "a")])
    with pytest.raises(ValueError, match="ascending"):
        lexicon.add([(4, "b", "b")])


def _brute_top(kb: KnowledgeBase, phrases, count: int, among: set[int] | None = None) -> list[tuple[int, float]]:
    ids, scores = kb.lexicon.current().scores(phrases, WEIGHTS)
    ranked = sorted((s, i) for i, s in zip(ids.tolist(), scores.tolist()) if among is None or i in among)
    return [(i, s) for s, i in sorted(ranked, key=lambda p: (-p[0], p[1]))[:count]]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("count", [1, 3, 10, 300])
def test_top_is_the_best_of_every_score(fake_kb, query, count):
    """MaxScore leaves terms out of most chunks; what it returns must still be the exact best."""
    understood = understand(query)
    all_ids = sorted(kb_id for rows in fake_kb.store.chunks.columns(0, 10**9) for kb_id, *_ in rows)
    for phrases in (understood.syllables(), understood.pairs()):
        for among in (None, set(all_ids[::3]), set(all_ids[5:12])):  # a third; a document's few passages
            found = fake_kb.lexicon.current().top(phrases, WEIGHTS, count, among)
            expected = _brute_top(fake_kb, phrases, count, among)
            assert [i for i, _ in found] == pytest.approx([i for i, _ in expected]) or \
                [round(s, 4) for _, s in found] == [round(s, 4) for _, s in expected]  # equal scores may swap
            assert [s for _, s in found] == pytest.approx([s for _, s in expected], rel=1e-5)


def test_top_is_exact_where_it_prunes(monkeypatch):
    """Zipf-distributed syllables over 4,000 passages: rare terms settle the top, common ones are pruned."""
    import random

    from kb.retrieval import bm25

    calls = {"whole": 0, "pruned": 0}
    shares = bm25.Term.shares

    def counted(term, norms, at=None):
        calls["whole" if at is None else "pruned"] += 1
        return shares(term, norms, at)

    monkeypatch.setattr(bm25.Term, "shares", counted)
    rng = random.Random(7)
    words = [f"w{n}" for n in range(400)]
    zipf = [1 / (n + 1) for n in range(len(words))]
    lexicon = Lexicon("test")
    lexicon.add((i, text, text) for i, text in
                ((i, " ".join(rng.choices(words, zipf, k=rng.randint(5, 60)))) for i in range(1, 4001)))
    for _ in range(60):
        query = rng.sample(words[:8], 3) + rng.sample(words[100:], 2)  # common syllables and rare ones
        phrases = [("accented", (w,)) for w in query] + [("folded", pair) for pair in zip(query, query[1:])]
        ids, scores = lexicon.scores(phrases, WEIGHTS)
        for count in (1, 10, 30):
            expected = sorted(zip(scores.tolist(), ids.tolist()), key=lambda p: (-p[0], p[1]))[:count]
            found = lexicon.top(phrases, WEIGHTS, count)
            assert [s for _, s in found] == pytest.approx([s for s, _ in expected], rel=1e-5)
            assert {i for i, _ in found} == {i for _, i in expected} or len(set(scores.round(4))) < len(scores)
        few = set(rng.sample(range(1, 4001), 30))  # a document's passages: looked up, not summed over the postings
        expected = [p for p in sorted(zip(scores.tolist(), ids.tolist()), key=lambda p: (-p[0], p[1])) if p[1] in few]
        assert lexicon.top(phrases, WEIGHTS, 10, few) == [(i, pytest.approx(s, rel=1e-5)) for s, i in expected[:10]]
    assert calls["pruned"] > 0  # some terms were added only to the chunks that could still make the top


def test_an_indexing_run_leaves_the_snapshot(fake_kb):
    """So that the first search after `kb index` reads it instead of tokenising every passage."""
    assert Lexicon.load(fake_kb.lexicon.path).last_chunk == fake_kb.store.chunks.lexicon_state()[1]
