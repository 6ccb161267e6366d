"""kb's records (kb.retrieval.results): what search and document reads return, and the API's models of them."""

from __future__ import annotations

from dataclasses import asdict, fields

import pytest
from conftest import BULLETIN, PLAN

from kb.config import Limits
from kb.errors import InvalidQueryError, NotFoundError, UploadTooLargeError
from kb.retrieval import results
from kb.retrieval.documents import document_detail, document_list, document_page, document_text
from kb.retrieval.search import search
from kb.storage.filters import DocumentFilters
from service import models

# Each record and the API model that documents it: the same fields, so the API never shows what kb does not give.
PAIRS = [(results.SearchResponse, models.SearchResponse), (results.SearchHit, models.SearchResult),
         (results.DocumentRef, models.DocumentRef), (results.DocumentDetail, models.DocumentDetail),
         (results.Passage, models.ChunkOut), (results.Reference, models.Reference),
         (results.CitingDocument, models.CitingDocument), (results.DocumentSummary, models.DocumentSummary),
         (results.DocumentPage, models.DocumentPage), (results.DocumentText, models.DocumentText)]


@pytest.mark.parametrize("record, model", PAIRS, ids=lambda c: c.__name__)
def test_api_models_have_the_fields_of_the_records(record, model):
    assert {f.name for f in fields(record)} == set(model.model_fields)


def test_from_row_keeps_the_record_fields_of_a_wider_row():
    row = {"id": 3, "title": "T", "doc_type": None, "number": "5-CT/TW", "issuer": "Ban", "date": "2020",
           "source": "a.txt", "access": "public", "signer": "X", "chunks": 4}
    assert results.DocumentRef.from_row(row) == results.DocumentRef(3, "T", None, "5-CT/TW", "Ban", "2020", "a.txt",
                                                                    "public")


def test_search_returns_typed_hits_that_the_api_model_accepts(fake_kb):
    response = search(fake_kb, "  Chỉ thị 05 yêu cầu gì ", 5)
    assert response.query == "Chỉ thị 05 yêu cầu gì"
    assert all(isinstance(hit, results.SearchHit) and isinstance(hit.document, results.DocumentRef)
               for hit in response.results)
    first = response.results[0]
    assert first.document.source == BULLETIN and first.issuer == "Ban Tuyên giáo Tỉnh ủy" and first.rank == 1
    shown = models.SearchResponse.model_validate(response, from_attributes=True)  # as the API builds its answer
    assert shown.model_dump() == asdict(response)


def test_document_detail_lists_body_passages_and_typed_references(fake_kb):
    plan = next(d for d in document_list(fake_kb) if d.source == PLAN)
    detail = document_detail(fake_kb, plan.id)
    assert detail.signer == "Lê Thanh Giang" and detail.chunks and {c.kind for c in detail.chunks} == {"body"}
    assert [c.ordinal for c in detail.chunks] == sorted(c.ordinal for c in detail.chunks)
    assert any(r.key == "KH:131" and isinstance(r, results.Reference) for r in detail.references)
    assert len(detail.chunks) == plan.chunks
    assert models.DocumentDetail.model_validate(detail, from_attributes=True).id == plan.id
    with pytest.raises(NotFoundError):
        document_detail(fake_kb, 424242)


def test_document_page_and_text(fake_kb):
    page = document_page(fake_kb, DocumentFilters(), page=2, per_page=1)
    assert (page.total, page.page, page.per_page, len(page.items)) == (2, 2, 1, 1)
    assert document_page(fake_kb, DocumentFilters("Kế hoạch")).items[0].source == PLAN
    text = document_text(fake_kb, page.items[0].id)
    assert text.id == page.items[0].id and len(text.text) > 1000
    with pytest.raises(InvalidQueryError, match="per_page must be at most 100"):
        document_page(fake_kb, DocumentFilters(), per_page=101)


@pytest.mark.parametrize("check, value, error, message", [
    ("check_query", "x" * 1001, InvalidQueryError, "The query is 1001 characters long; the limit is 1000."),
    ("check_k", 101, InvalidQueryError, "k must be at most 100."),
    ("check_k", 0, InvalidQueryError, "k must be between 1 and 100."),
    ("check_per_page", 101, InvalidQueryError, "per_page must be at most 100."),
    ("check_upload_files", 101, InvalidQueryError, "101 files in one request; the limit is 100."),
    ("check_upload_request", 104_857_601, UploadTooLargeError,
     "The request is 104,857,601 bytes; the limit is 104,857,600 bytes per request."),
])
def test_limits_refuse_what_is_over_them_and_pass_what_is_not(check, value, error, message):
    limits = Limits()
    with pytest.raises(error) as refused:
        getattr(limits, check)(value)
    assert str(refused.value) == message
    getattr(limits, check)("x" * 1000 if isinstance(value, str) else 1)  # within the limit: no error


def test_file_limit_names_the_file():
    with pytest.raises(UploadTooLargeError, match=r"^a\.pdf: over the limit of 10 bytes per file\.$"):
        Limits(max_upload_file_bytes=10).check_upload_file("a.pdf", 11)
    Limits(max_upload_file_bytes=10).check_upload_file("a.pdf", 10)
