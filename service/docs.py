"""The API's documentation page, ``/docs`` (Swagger UI), with every asset served by kb itself.

FastAPI's own page loads Swagger UI from a CDN, so on an office network without internet ``/docs`` stays
blank.  The ``fastapi-offline`` package ships the bundle; it is served from ``DOCS_ASSETS`` and the page
points there.  There is no ``/redoc``: ReDoc's bundle fetches its logo from the internet whatever it is told.
"""

from __future__ import annotations

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

__all__ = ["DOCS_ASSETS", "install_docs"]

DOCS_ASSETS = "/docs-assets"
FAVICON = "/static/favicon.svg"


def install_docs(app: FastAPI) -> None:
    """``/docs`` over ``app.openapi_url``, its script and style from the installed package.

    The app must be made with ``docs_url=None, redoc_url=None``, so FastAPI's CDN pages are not routed.
    """
    assert app.docs_url is None and app.redoc_url is None and app.openapi_url
    openapi_url, title = app.openapi_url, app.title
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(files("fastapi_offline") / "static")), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi_url, title=f"{title} - Swagger UI",
                                   swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css", swagger_favicon_url=FAVICON,
                                   swagger_ui_parameters={"validatorUrl": None})  # no badge from validator.swagger.io
