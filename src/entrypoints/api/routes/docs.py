"""`/docs` (Swagger UI) and `/redoc`, served whole from this process: the pages and their
scripts, styles and icon come from the `fastapi-offline` package, so the docs work on a
machine with no internet (FastAPI's own pages load them from a CDN)."""

from __future__ import annotations

import functools
from importlib.resources import files
from typing import Final

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.responses import HTMLResponse, Response

from entrypoints.api.problems import problem_response

router = APIRouter(include_in_schema=False)

ASSETS: Final = files("fastapi_offline") / "static"
_MEDIA_TYPES: Final = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
_CACHED: Final = {"Cache-Control": "public, max-age=86400"}


def _asset_url(request: Request, name: str) -> str:
    return f"{request.scope.get('root_path', '')}/docs/assets/{name}"


@router.get("/docs")
async def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - Swagger UI",
        oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
        swagger_js_url=_asset_url(request, "swagger-ui-bundle.js"),
        swagger_css_url=_asset_url(request, "swagger-ui.css"),
        swagger_favicon_url=_asset_url(request, "favicon.png"),
    )


@router.get("/docs/oauth2-redirect")
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} - ReDoc",
        redoc_js_url=_asset_url(request, "redoc.standalone.js"),
        redoc_favicon_url=_asset_url(request, "favicon.png"),
        with_google_fonts=False,
    )


@router.get("/docs/assets/{name}")
async def asset(request: Request, name: str) -> Response:
    media_type = _MEDIA_TYPES.get(name)
    if media_type is None:
        return problem_response(404, detail="Not Found", instance=request.url.path)
    return Response(_read(name), media_type=media_type, headers=_CACHED)


@functools.cache
def _read(name: str) -> bytes:
    return (ASSETS / name).read_bytes()
