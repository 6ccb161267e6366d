"""The HTTP service: ``create_app(settings)`` builds a FastAPI app over one knowledge base.

Only wiring: the JSON routes are in ``service.api`` and ``service.keys``, the
pages in ``service.pages``, every error's status and rendering in ``service.errors``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from kb.config import Settings
from kb.embedding.embedder import Embedder
from kb.jobs.worker import job_runner
from kb.knowledge_base import KnowledgeBase
from kb.retrieval.glossary import glossary

from . import api, keys, pages, related, status
from .docs import install_docs
from .errors import install_error_handlers
from .middleware import UploadLimit
from .views import STATIC_DIR

__all__ = ["create_app"]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the model (its whole vocabulary too), the vectors, the lexicon, the accent model and the glossary
    before the first request, not during it (together a second or two at 200,000 passages); run the job thread
    meanwhile."""
    kb = app.state.kb
    kb.open_embedder().warm()
    kb.open_vectors()  # opens and checks the vector file
    kb.lexicon.current()
    kb.accents.current()
    glossary()
    if app.state.kb.settings.store.jobs_in_serve:  # on postgres, `kb worker`s take the jobs unless asked
        app.state.jobs.start()
    yield
    app.state.jobs.stop()
    kb.close()


def _bad_bodies(schema: dict) -> dict:
    """FastAPI answers 400 when it cannot parse a request body at all: say so wherever a body is taken."""
    answer = {"description": "The request body could not be parsed",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" in operation:
                operation["responses"].setdefault("400", answer)
    return schema


class _App(FastAPI):
    """FastAPI whose OpenAPI schema shows the limits in force and the 400 of an unparsable body."""

    def __init__(self, settings: Settings, **options: Any) -> None:
        super().__init__(**options)
        self.limits = settings.limits

    def openapi(self) -> dict[str, Any]:
        if not self.openapi_schema:
            self.openapi_schema = _bad_bodies(api.openapi_limits(super().openapi(), self.limits))
        return self.openapi_schema


def create_app(settings: Settings, *, embedder: Embedder | None = None) -> FastAPI:
    """The app over ``settings.home``; ``embedder`` replaces the configured model (tests give a deterministic one)."""
    app = _App(
        settings,
        lifespan=_lifespan,
        title="kb",
        summary="Search Vietnamese directives, resolutions, plans and bulletins; every passage with its "
                "document, number, date and issuing body.",
        version="0.1.0",
        docs_url=None, redoc_url=None,  # service.docs serves /docs without a CDN
    )
    # The readers': a connection per thread, vectors swapped on change; a folder without an index is refused
    # (NoIndexError), not served empty.
    app.state.kb = KnowledgeBase(settings, embedder=embedder, create=False)
    app.state.jobs = job_runner(settings, embedder=embedder)  # the writer: indexing jobs and deletes, in its own thread
    install_error_handlers(app)
    app.add_middleware(UploadLimit, limits=settings.limits)
    install_docs(app)
    app.include_router(api.router)
    app.include_router(keys.router)  # /api/keys, for admin keys
    app.include_router(status.router)  # /api/documents/{id}/status
    app.include_router(pages.router)  # HTML pages for staff: /, /documents, /documents/{id}, /upload
    app.include_router(related.api_router)  # drafting help: POST /api/related …
    app.include_router(related.page_router)  # … and its page, /related
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
