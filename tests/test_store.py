from pathlib import Path

import pytest

from indexer.model import Chunk, DocumentMeta, ParsedDocument, Reference, SourceText
from kb.errors import NotFoundError
from kb.storage.filters import DocumentFilters
from kb.storage.store import Store


def _parsed(text: str, meta: DocumentMeta, chunks: list[Chunk]) -> ParsedDocument:
    return ParsedDocument(SourceText(Path("x.txt"), text, "utf-8", "text"), meta, chunks, [])


def _filled(store: Store) -> Store:
    plan = _parsed("...", DocumentMeta(title="Kế hoạch tuyên truyền", doc_type="Kế hoạch", number="131-KH/TU",
                                       issuer="Ban Thường vụ Tỉnh ủy", date="2020-03-17"), [
        Chunk("Tuyên truyền khẩu hiệu đại hội trên pa nô, áp phích", ["IV- HOẠT ĐỘNG", "3. Cổ động trực quan"], 0, 50),
        Chunk("Thực hiện Chỉ thị số 05-CT/TW của Bộ Chính trị", ["V. TỔ CHỨC"], 60, 100,
              references=[Reference("CT", "5", "TW", "Chỉ thị số 05-CT/TW")]),
        Chunk("Kế hoạch số 131-KH/TU", ["Thông tin văn bản"], 0, 0, kind="card",
              references=[Reference("KH", "131", "TU", "131-KH/TU")]),
    ])
    bulletin = _parsed("...", DocumentMeta(title="Thông tin sinh hoạt nội bộ", doc_type="Thông tin sinh hoạt nội bộ",
                                           issuer="Ban Tuyên giáo", date="2020-12"), [
        Chunk("Thực hiện Kế hoạch 131 về tuyên truyền", ["I. NỘI DUNG"], 0, 40, issuer="Ban Tuyên giáo Tỉnh ủy",
              references=[Reference("KH", "131", None, "Kế hoạch 131")]),
    ])
    with store.db.transaction():
        store.documents.add(plan, path="/a/plan.md", source="plan.md", content_hash="h1")
        store.documents.add(bulletin, path="/a/b.txt", source="b.txt", content_hash="h2")
    return store


@pytest.fixture
def store(store_backend):
    return _filled(Store(store_backend()))


def test_reference_hits_exact_key_first(store):
    hits = store.chunks.citing(["KH:131"], ["KH:131:TU"])
    assert [chunk_id for chunk_id, _ in hits] == [3, 4]


def test_filters_by_type_issuer_and_date(store):
    assert store.chunks.filtered_ids(DocumentFilters(doc_type="ke hoach")) == {1, 2, 3}
    assert store.chunks.filtered_ids(DocumentFilters(issuer="tinh uy")) == {1, 2, 3, 4}
    assert store.chunks.filtered_ids(DocumentFilters(issuer="Ban Tuyên giáo Tỉnh ủy")) == {4}
    assert store.chunks.filtered_ids(DocumentFilters(since="2020-04")) == {4}
    assert store.chunks.filtered_ids(DocumentFilters(until="2020-03")) == {1, 2, 3}
    assert store.chunks.filtered_ids(DocumentFilters(number="131-KH")) == {1, 2, 3}


def test_delete_document_removes_chunks_refs_and_logs_the_deletion(store):
    assert store.documents.delete(1) == [1, 2, 3]
    assert store.chunks.all_ids() == {4}
    # what kb.lexicon.current() catches up from
    assert sorted(store.chunks.deleted(0, store.chunks.lexicon_state()[2])) == [1, 2, 3]
    assert store.chunks.citing(["KH:131"], []) == [(4, 0.8)]
    with pytest.raises(NotFoundError):
        store.documents.get(1)


def test_references_and_citations(store):
    assert [r["full_key"] for r in store.documents.references_of(1)] == ["CT:5:TW"]
    assert [(r["full_key"], r["document_id"]) for r in store.documents.references_of(2)] == [("KH:131", 1)]
    assert [d["id"] for d in store.documents.citing(1)] == [2]


def test_database_of_another_schema_is_refused_with_instructions(tmp_path):
    import sqlite3

    from kb.errors import IndexInconsistentError

    old = sqlite3.connect(tmp_path / "kb.sqlite")
    old.execute("CREATE TABLE documents (id INTEGER PRIMARY KEY)")
    old.commit()
    old.close()
    with pytest.raises(IndexInconsistentError, match="another version of kb"):
        Store(tmp_path / "kb.sqlite")


def test_new_database_gets_the_current_schema_version(tmp_path):
    from kb.storage.schema import SCHEMA_VERSION

    store = Store(tmp_path / "kb.sqlite")
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    store.close()
    Store(tmp_path / "kb.sqlite").close()  # and opens again


def test_version_3_database_loses_its_full_text_table_and_gains_the_deletion_log(tmp_path):
    """Version 3 kept an FTS5 table filled by triggers; kb.lexicon ranks now, from the chunks."""
    import sqlite3

    from kb.storage.schema import SCHEMA_VERSION

    store = _filled(Store(tmp_path / "kb.sqlite"))
    store.close()
    with sqlite3.connect(tmp_path / "kb.sqlite") as conn:
        conn.executescript("""
            DROP TRIGGER chunks_deletion_log; DROP TABLE chunk_deletions;
            CREATE VIRTUAL TABLE chunks_fts USING fts5(accented, folded, content='chunks', content_rowid='id');
            CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
                INSERT INTO chunks_fts(rowid, accented, folded) VALUES (new.id, new.accented, new.folded); END;
            INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild');
            PRAGMA user_version = 3;""")
    migrated = Store(tmp_path / "kb.sqlite")
    names = {r[0] for r in migrated.db.execute("SELECT name FROM sqlite_master")}
    assert SCHEMA_VERSION == 10 and migrated.db.execute("PRAGMA user_version").fetchone()[0] == 10
    assert not {n for n in names if n.startswith("chunks_fts") or n == "chunks_ai"}
    with migrated.db.transaction():
        migrated.documents.delete(2)
    assert migrated.chunks.deleted(0, migrated.chunks.lexicon_state()[2]) == [4]
    migrated.close()
