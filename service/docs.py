"""The API's documentation pages, ``/docs`` (Swagger UI) and ``/redoc``, with every asset served by kb itself.

FastAPI's own pages load Swagger UI and ReDoc from a CDN (and ReDoc's fonts from Google), so on an office
network without internet ``/docs`` stays blank.  The ``fastapi-offline`` package ships both bundles; they
are served from ``DOCS_ASSETS`` and the pages point there.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["DOCS_ASSETS", "install_docs"]

DOCS_ASSETS = "/docs-assets"
FAVICON = "/static/favicon.svg"


def install_docs(app: FastAPI) -> None:
    """``/docs`` and ``/redoc`` over ``app.openapi_url``, their scripts and styles from the installed package.

    The app must be made with ``docs_url=None, redoc_url=None``, so FastAPI's CDN pages are not routed first.
    """
    assert app.docs_url is None and app.redoc_url is None and app.openapi_url
    openapi_url, title = app.openapi_url, app.title
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(files("fastapi_offline") / "static")), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi_url, title=f"{title} - Swagger UI",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css", swagger_favicon_url=FAVICON)

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=f"{title} - ReDoc",
                              redoc_js_url=f"{DOCS_ASSETS}/redoc.standalone.js", redoc_favicon_url=FAVICON,
                              with_google_fonts=False)
