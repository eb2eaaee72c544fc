"""The files every site is asked for: /favicon.ico, /robots.txt and /sitemap.xml (listing the front
pages, the statements and every active service in each language)."""

from __future__ import annotations

from typing import Annotated
from xml.sax.saxutils import escape

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse, Response
from sqlmodel import Session, col, func, select

from app.catalogue.enums import ServiceStatus
from app.catalogue.models import Service
from app.errors import NotFound
from app.settings import get_settings
from web.deps import SessionDep
from web.i18n import LOCALES
from web.pages.templating import STATIC_DIR

router = APIRouter(include_in_schema=False)
SERVICES_PER_SITEMAP = 10_000  # x3 languages: within the protocol's 50,000 addresses per file
XML = "application/xml"
STATIC_PAGES = ("", "accessibility", "privacy")


def _base_url(request: Request) -> str:
    settings = getattr(request.app.state, "settings", None) or get_settings()
    return str(settings.base_url).rstrip("/")


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(
        STATIC_DIR / "favicon.ico",
        media_type="image/x-icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@router.get("/robots.txt")
def robots(request: Request) -> Response:
    # Search results, print views, shortlists and short addresses repeat the service pages.
    lines = ["User-agent: *", "Disallow: /api/", "Disallow: /staff/", "Disallow: /s/"]
    lines += [f"Disallow: /{lang}/search" for lang in LOCALES]
    lines += [f"Disallow: /{lang}/shortlist" for lang in LOCALES]
    lines += ["", f"Sitemap: {_base_url(request)}/sitemap.xml", ""]
    return Response("\n".join(lines), media_type="text/plain; charset=utf-8")


def _active(session: Session) -> int:
    statement = (
        select(func.count()).select_from(Service).where(col(Service.status) != ServiceStatus.RETIRED.value)
    )
    return int(session.exec(statement).one())


@router.get("/sitemap.xml")
def sitemap_index(request: Request, session: SessionDep) -> Response:
    base = _base_url(request)
    parts = max(1, -(-_active(session) // SERVICES_PER_SITEMAP))
    entries = [f"<sitemap><loc>{escape(base)}/sitemap-pages.xml</loc></sitemap>"] + [
        f"<sitemap><loc>{escape(base)}/sitemap-services-{n}.xml</loc></sitemap>" for n in range(1, parts + 1)
    ]
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(entries)
        + "\n</sitemapindex>\n"
    )
    return Response(body, media_type=XML)


def _urlset(base: str, paths: list[str], lastmods: list[str | None]) -> str:
    rows = []
    for path, lastmod in zip(paths, lastmods, strict=True):
        alternates = "".join(
            f'<xhtml:link rel="alternate" hreflang="{lang}" href="{escape(base)}/{lang}/{escape(path)}"/>'
            for lang in LOCALES
        )
        for lang in LOCALES:
            stamp = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
            rows.append(f"<url><loc>{escape(base)}/{lang}/{escape(path)}</loc>{stamp}{alternates}</url>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
        + "\n".join(rows)
        + "\n</urlset>\n"
    )


@router.get("/sitemap-pages.xml")
def sitemap_pages(request: Request) -> Response:
    return Response(
        _urlset(_base_url(request), list(STATIC_PAGES), [None] * len(STATIC_PAGES)), media_type=XML
    )


@router.get("/sitemap-services-{part}.xml")
def sitemap_services(
    request: Request, part: Annotated[int, Path(ge=1, le=10_000)], session: SessionDep
) -> Response:
    statement = (
        select(Service.id, Service.source_modified_at, Service.last_synced_at)
        .where(col(Service.status) != ServiceStatus.RETIRED.value)
        .order_by(col(Service.id))
        .offset((part - 1) * SERVICES_PER_SITEMAP)
        .limit(SERVICES_PER_SITEMAP)
    )
    rows = session.exec(statement).all()
    if not rows and part > 1:
        raise NotFound("The page or resource was not found.", code="not_found")
    paths = [f"services/{service_id}" for service_id, _, _ in rows]
    lastmods = [
        (modified or synced).date().isoformat() if (modified or synced) else None
        for _, modified, synced in rows
    ]
    return Response(_urlset(_base_url(request), paths, lastmods), media_type=XML)
