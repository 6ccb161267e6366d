"""Document access levels without a model: the levels, how a file gets its level, filters, migration.

A file's level comes from its front matter, else the nearest ``kb.toml`` inside
the indexed folder, else ``--access``, else public; what a caller sees is then
a filter on the documents' levels.  ``tests/test_access.py`` indexes a real
library and asks every endpoint, page and command.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import write_tree

from indexer.front_matter import split_front_matter
from indexer.model import Chunk, DocumentMeta, ParsedDocument, SourceText
from kb.access.keys import create_key
from kb.access.levels import LEVELS, LevelPolicy, UnknownLevelError, visible_levels
from kb.errors import ConfigError, IndexInconsistentError, KbError
from kb.storage.filters import DocumentFilters
from kb.storage.schema import SCHEMA_VERSION
from kb.storage.store import Store


def test_levels_are_ordered_and_each_sees_those_below():
    assert LEVELS == ("public", "internal", "restricted")
    assert visible_levels("public") == ("public",)
    assert visible_levels("restricted") == LEVELS
    with pytest.raises(UnknownLevelError, match="use one of public, internal, restricted"):
        visible_levels("secret")
    assert issubclass(UnknownLevelError, KbError)


def test_front_matter_is_read_and_taken_out_of_the_text():
    assert split_front_matter("---\naccess: restricted\n---\nNội dung") == ({"access": "restricted"}, "Nội dung")
    assert split_front_matter('\ufeff---\r\nAccess: "internal"\r\ntitle: x\r\n---\r\nA') == \
        ({"access": "internal", "title": "x"}, "A")
    for text in ("Nội dung\n---\naccess: restricted\n---\n", "-----\naccess: x\n---\n", "---\nkhông phải\n---\nA"):
        assert split_front_matter(text) == ({}, text)


def test_front_matter_then_nearest_kb_toml_then_flag_then_public(tmp_path):
    write_tree(tmp_path, {"outside/kb.toml": 'access = "restricted"', "outside/lib/a.txt": "",
                          "outside/lib/b/kb.toml": 'access = "internal"', "outside/lib/b/c/d.txt": "",
                          "outside/lib/b/c/kb.toml": "# no level here\n", "outside/lib/e/kb.toml": 'access = "restricted"',
                          "outside/lib/e/f.txt": ""})
    root = tmp_path / "outside" / "lib"
    policy = LevelPolicy()
    assert policy.level(root / "a.txt", root, {}) == "public"  # the kb.toml above the indexed folder is not read
    assert policy.level(root / "b/c/d.txt", root, {}) == "internal"  # nearest kb.toml that sets a level
    assert policy.level(root / "e/f.txt", root, {}) == "restricted"
    assert policy.level(root / "e/f.txt", root, {"access": "public"}) == "public"  # front matter is most specific
    assert LevelPolicy("internal").level(root / "a.txt", root, {}) == "internal"  # the flag, where nothing else says
    assert LevelPolicy("public").level(root / "e/f.txt", root, {}) == "restricted"
    assert LevelPolicy().level(root / "e/f.txt", root / "e/f.txt", {}) == "restricted"  # a file given: its folder


def test_links_are_governed_where_they_appear_and_a_kb_toml_never_read_from_outside(tmp_path):
    write_tree(tmp_path, {"elsewhere/kb.toml": 'access = "public"', "elsewhere/a.txt": "",
                          "lib/noi-bo/kb.toml": 'access = "internal"', "lib/mat/kb.toml": 'access = "restricted"'})
    root = tmp_path / "lib"
    (root / "noi-bo" / "linked").symlink_to(tmp_path / "elsewhere")
    assert LevelPolicy().level(root / "noi-bo/linked/a.txt", root, {}) == "public"  # the linked folder's own
    (tmp_path / "elsewhere" / "kb.toml").unlink()
    assert LevelPolicy().level(root / "noi-bo/linked/a.txt", root, {}) == "internal"  # the folder it appears in
    (root / "mat" / "kb.toml").unlink()
    (root / "mat" / "kb.toml").symlink_to(tmp_path / "elsewhere" / "a.txt")
    with pytest.raises(ConfigError, match="symbolic link to outside"):
        LevelPolicy().level(root / "mat/b.txt", root, {})


@pytest.mark.parametrize("files, error", [({"kb.toml": 'access = "secret"', "a.txt": ""}, UnknownLevelError),
                                          ({"kb.toml": "access = ", "a.txt": ""}, ConfigError)])
def test_bad_kb_toml_is_an_error_naming_the_file(tmp_path, files, error):
    write_tree(tmp_path, files)
    with pytest.raises(error, match="kb.toml"):
        LevelPolicy().level(tmp_path / "a.txt", tmp_path, {})
    with pytest.raises(UnknownLevelError, match="front matter of a.txt"):
        LevelPolicy().level(tmp_path / "a.txt", tmp_path, {"access": "top-secret"})


def test_filters_keep_the_levels_at_or_below_the_callers(store_backend):
    store = Store(store_backend())
    for level in LEVELS:
        parsed = ParsedDocument(SourceText(Path(f"{level}.txt"), "...", "utf-8", "text"),
                                DocumentMeta(title=level, doc_type="Kế hoạch"), [Chunk(f"Đoạn {level}", [], 0, 3)], [])
        with store.db.transaction():
            store.documents.add(parsed, path=f"/{level}", source=f"{level}.txt", content_hash=level, access=level)
    for level in LEVELS:
        filters = DocumentFilters(doc_type="ke hoach", access=level)
        assert {d["access"] for d in store.documents.listing(filters)} == set(visible_levels(level))
        assert len(store.chunks.filtered_ids(filters)) == len(visible_levels(level))
    assert not DocumentFilters() and DocumentFilters(access="public") and not DocumentFilters(access="public").by_metadata
    with pytest.raises(UnknownLevelError):
        DocumentFilters(access="everything")


def _as_version_2(path: Path) -> None:
    """The database as kb with schema version 2 wrote it: no access column, no API keys."""
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO documents (path, source, content_hash, indexed_at) VALUES ('/a', 'a.txt', 'h', 'now')")
        conn.execute("DROP INDEX IF EXISTS documents_access")
        conn.execute("ALTER TABLE documents DROP COLUMN access")
        conn.execute("DROP TABLE api_keys")
        conn.execute("PRAGMA user_version = 2")


def test_version_2_database_is_migrated_with_every_document_public(tmp_path):
    _as_version_2(tmp_path / "kb.sqlite")
    store = Store(tmp_path / "kb.sqlite")
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [d["access"] for d in store.documents.listing()] == ["public"]
    create_key(store, "after-migration", "reader")  # the new table is there
    store.close()
    assert Store(tmp_path / "kb.sqlite").documents.listing()[0]["access"] == "public"  # opening again changes nothing


def test_other_versions_are_refused(tmp_path):
    Store(tmp_path / "kb.sqlite").close()
    with sqlite3.connect(tmp_path / "kb.sqlite") as conn:
        conn.execute("PRAGMA user_version = 1")
    with pytest.raises(IndexInconsistentError, match="schema 1"):
        Store(tmp_path / "kb.sqlite")
