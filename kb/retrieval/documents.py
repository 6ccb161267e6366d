"""Documents as users see them: a page of the list, one document with what it cites, its passages and its status,
its text.

Every read takes the caller's level: a document above it is "not found", and is
neither listed, counted nor shown among what another document cites.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kb.access.levels import LEVELS
from kb.errors import NotFoundError
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.results import (
    CitingDocument,
    DocumentDetail,
    DocumentPage,
    DocumentRef,
    DocumentSummary,
    DocumentText,
    Passage,
    Reference,
    SourceFileInfo,
)
from kb.retrieval.validity import statuses, with_status
from kb.storage.filters import DocumentFilters
from kb.storage.pg_jobs import JobQueue

__all__ = ["OriginalFile", "document_detail", "document_labels", "document_list", "document_page", "document_text",
           "original_file"]


def document_list(kb: KnowledgeBase, filters: DocumentFilters | None = None, *, text: str | None = None,
                  limit: int = -1, offset: int = 0) -> list[DocumentSummary]:
    """Documents the filters keep, newest first (undated last); ``text`` is part of the title or number."""
    rows = kb.store.documents.listing(filters, text=text, limit=limit, offset=offset)
    return with_status(kb, [DocumentSummary.from_row(row) for row in rows], filters.access if filters else LEVELS[-1])


def document_page(kb: KnowledgeBase, filters: DocumentFilters, *, text: str | None = None, page: int = 1,
                  per_page: int = 20) -> DocumentPage:
    """Page ``page`` (from 1) of the list, with the number of documents on all pages."""
    kb.settings.limits.check_per_page(per_page)
    items = document_list(kb, filters, text=text, limit=per_page, offset=(page - 1) * per_page)
    return DocumentPage(total=kb.store.documents.count(filters, text=text), page=page, per_page=per_page, items=items)


def document_detail(kb: KnowledgeBase, doc_id: int, access: str = LEVELS[-1]) -> DocumentDetail:
    """The document as a caller allowed ``access`` sees it: a document above that level is "not found",
    and the documents it cites or that cite it are listed only if the caller may see them too."""
    store = kb.store
    row = store.documents.get(doc_id, access)
    references = [Reference.from_row(r) for r in store.documents.references_of(doc_id, access)]
    return DocumentDetail(
        **row,
        status=statuses(kb, [doc_id], access)[doc_id],
        sources=[SourceFileInfo.from_row(r) for r in store.sources.of_document(doc_id)],
        references=references,
        cited_by=[CitingDocument.from_row(r) for r in store.documents.citing(doc_id, access)],
        chunks=[Passage.from_row(c) for c in store.chunks.of_document(doc_id, access) if c["kind"] == "body"],
    )


def document_text(kb: KnowledgeBase, doc_id: int, access: str = LEVELS[-1]) -> DocumentText:
    """The whole text read from the document's file (NFC), for reading or copying."""
    return DocumentText(id=doc_id, text=kb.store.documents.text_of(doc_id, access))


def document_labels(kb: KnowledgeBase, ids: list[int], access: str = LEVELS[-1]) -> dict[int, DocumentRef]:
    """The documents among ``ids`` a caller allowed ``access`` may see, by id: what a page shows of
    the candidates of an ambiguous citation, so the reader chooses."""
    return {row["id"]: DocumentRef.from_row(row) for row in kb.store.documents.labels(ids, access)}


@dataclass(frozen=True)
class OriginalFile:
    """The file a document was read from, checked to be where it was indexed: to serve as it is."""

    path: Path | None  # symbolic links resolved, inside the folder it was indexed from; None: ``data`` holds it
    name: str  # its file name, as the reader's browser should save it
    format: str | None  # how it was read: pdf, docx, text, markdown, html
    encoding: str | None  # the text encoding of a plain-text file (utf-8, tcvn3, …)
    data: bytes | None = None  # the file itself, when this machine has no copy (an upload a worker elsewhere indexed)


def _indexed_folder(path: Path, source: str) -> Path | None:
    """The folder ``kb index`` (or an upload's job) was given for the file at ``path``, whose path below it is
    ``source``; ``None`` when the two disagree (a name that was not UTF-8 is stored with U+FFFD)."""
    below = PurePosixPath(source).parts
    if not below or ".." in below or path.parts[-len(below):] != below:
        return None
    return Path(*path.parts[: -len(below)])


def original_file(kb: KnowledgeBase, doc_id: int, access: str = LEVELS[-1]) -> OriginalFile:
    """The document's own file, for a caller allowed ``access`` (a document above it is "not found").

    Only a file inside the folder it was indexed from is given, symbolic links
    resolved: the database names the file, but what lies at that path now is
    whatever the file system holds, and a link swapped in must not reach out of
    the indexed folders.  A file moved, deleted or led out so is "not found",
    with a code that says which (``file_missing``, ``file_outside``).  On a
    database server, an uploaded file that is not on this machine (a worker on
    another one indexed it) is read from the database, which keeps the uploads
    documents hold (``kb.storage.pg_jobs``).
    """
    row = kb.store.documents.get(doc_id, access)
    recorded = kb.store.documents.path_of(doc_id)
    path = Path(recorded or "")
    folder = _indexed_folder(path, row["source"])
    if folder is None or not recorded or not path.is_file():
        data = JobQueue(kb.store.db).uploaded(recorded) if folder and recorded and kb.store.path is None else None
        if data is None:
            raise NotFoundError(f"The file of document {doc_id} ({row['source']}) is no longer where it was indexed: "
                                "moved or deleted; index it again from where it is now", code="file_missing",
                                source=row["source"])
        return OriginalFile(path=None, name=path.name, format=row["format"], encoding=row["encoding"], data=data)
    real = path.resolve()
    if not real.is_relative_to(folder.resolve()):
        raise NotFoundError(f"The file of document {doc_id} ({row['source']}) now leads out of the folder it was "
                            "indexed from; it is not served", code="file_outside", source=row["source"])
    return OriginalFile(path=real, name=path.name, format=row["format"], encoding=row["encoding"])
