"""kb: find what Vietnamese directives, resolutions, plans and bulletins say.

The public surface, for programs that use kb as a library (the CLI and the
service use nothing else of it to answer a question)::

    from pathlib import Path
    from kb import KnowledgeBase, index_paths, load_settings, search

    knowledge_base = KnowledgeBase(load_settings(Path("~/kb-home")))
    index_paths(knowledge_base, [Path("corpus")])
    for hit in search(knowledge_base, "Chỉ thị 05 yêu cầu gì?").results:
        print(hit.document.number, hit.section, hit.text[:80])

Everything else is reachable by its module path (``kb.storage``, ``kb.retrieval``,
…; docs/architecture.md lists them) but may change between releases.
"""

from kb.config import Limits, Service, Settings, Weights, load_settings
from kb.errors import (
    ConfigError,
    IndexBusyError,
    IndexInconsistentError,
    InvalidQueryError,
    KbError,
    ModelError,
    ModelMismatchError,
    NotFoundError,
    SnapshotError,
    StorageError,
    UnsupportedContentError,
    UploadTooLargeError,
)
from kb.indexing import index_paths
from kb.indexing_report import FileOutcome, IndexReport
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.documents import document_detail, document_list, document_page, document_text
from kb.retrieval.results import (
    CitingDocument,
    DocumentDetail,
    DocumentPage,
    DocumentRef,
    DocumentSummary,
    DocumentText,
    Passage,
    Reference,
    SearchHit,
    SearchResponse,
)
from kb.retrieval.search import search
from kb.storage.filters import DocumentFilters

__all__ = [
    # settings
    "Settings", "Weights", "Limits", "Service", "load_settings",
    # the knowledge base and its verbs
    "KnowledgeBase", "index_paths", "IndexReport", "FileOutcome", "search", "DocumentFilters",
    "document_detail", "document_list", "document_page", "document_text",
    # what they return
    "SearchResponse", "SearchHit", "DocumentRef", "DocumentSummary", "DocumentPage", "DocumentDetail",
    "DocumentText", "Passage", "Reference", "CitingDocument",
    # what they raise
    "KbError", "ConfigError", "IndexBusyError", "IndexInconsistentError", "InvalidQueryError", "ModelError",
    "ModelMismatchError", "NotFoundError", "SnapshotError", "StorageError", "UnsupportedContentError",
    "UploadTooLargeError",
]
