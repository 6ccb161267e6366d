"""kb's public surface: what ``from kb import …`` offers a program, and that it is enough to use kb."""

import inspect

import kb
from kb import DocumentFilters, KnowledgeBase, SearchResponse, document_detail, search


def test_every_public_name_is_there_and_nothing_else_is_public():
    missing = [name for name in kb.__all__ if not hasattr(kb, name)]
    public = {name for name, value in vars(kb).items() if not name.startswith("_") and not inspect.ismodule(value)}
    assert missing == [] and public == set(kb.__all__)


def test_a_program_searches_and_opens_a_document_with_public_names_only(fake_kb: KnowledgeBase):
    found = search(fake_kb, "Chỉ thị 05 yêu cầu gì?", k=3)
    assert isinstance(found, SearchResponse) and len(found.results) == 3
    best = found.results[0]
    detail = document_detail(fake_kb, best.document.id)
    assert detail.id == best.document.id and any(p.id == best.chunk_id for p in detail.chunks)
    narrowed = search(fake_kb, "tuyên truyền", k=5, filters=DocumentFilters(doc_type="Kế hoạch"))
    assert {hit.document.doc_type for hit in narrowed.results} == {"Kế hoạch"}
