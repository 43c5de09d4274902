"""GraphiQL from the package's own files: the page and its pinned assets, never a CDN.

The assets are npm packages copied into ``static/`` by ``scripts/fetch_graphiql.py``; README.md
beside this file says where they come from, their versions and their licenses.
"""

from __future__ import annotations

import functools
from pathlib import Path, PurePosixPath
from string import Template

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

PACKAGES = {"react": "18.3.1", "react-dom": "18.3.1", "graphiql": "3.8.3"}
"""The npm packages the page loads, pinned to exact versions."""

FILES = {
    "react": ("umd/react.production.min.js",),
    "react-dom": ("umd/react-dom.production.min.js",),
    "graphiql": ("graphiql.min.js", "graphiql.min.css"),
}
"""The files of each package's tarball the page needs (each package's LICENSE is kept beside them)."""

HERE = Path(__file__).parent
STATIC = HERE / "static"
STATIC_URL = "graphiql/static"
"""Relative to /graphql, so the page works under a path prefix too."""

CACHE_FOREVER = "public, max-age=31536000, immutable"
"""Safe: an asset's URL names its package version, so a refresh changes every URL."""

MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def folder(package: str) -> str:
    """The folder of a package's files under static/: its name and version."""
    return f"{package}-{PACKAGES[package]}"


def local_name(package: str, path: str) -> str:
    """Where a file of a package's tarball lives under static/ (and under STATIC_URL)."""
    return f"{folder(package)}/{PurePosixPath(path).name}"


def served_files() -> dict[str, Path]:
    """URL path under /graphiql/static/ -> file, for every file of FILES."""
    names = [local_name(package, path) for package, paths in FILES.items() for path in paths]
    return {name: STATIC / name for name in names}


SERVED = served_files()
"""The only files the asset route serves (LICENSE files are packaged, not served)."""


@functools.cache
def page_html() -> str:
    template = Template((HERE / "page.html").read_text(encoding="utf-8"))
    urls = {package.replace("-", "_"): f"{STATIC_URL}/{folder(package)}" for package in PACKAGES}
    return template.substitute(urls)


def page() -> HTMLResponse:
    """The GraphiQL page, its scripts and styles pointing at this server."""
    return HTMLResponse(page_html())


async def asset(request: Request) -> Response:
    """One of the pinned files, cached by the browser for a year."""
    path = SERVED.get(request.path_params["path"])
    if path is None:
        return PlainTextResponse("Not Found", status_code=404)
    return FileResponse(
        path, media_type=MEDIA_TYPES[path.suffix], headers={"cache-control": CACHE_FOREVER}
    )


def routes() -> list[Route]:
    return [Route("/graphiql/static/{path:path}", asset, methods=["GET"])]
