"""The OpenAPI documentation page: Swagger UI vendored from the pinned npm package swagger-ui-dist
(scripts/vendor_static.sh), started by a static script, so /docs works offline and under a policy
that allows no inline script and no other site."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
VENDOR = "/static/vendor/swagger-ui"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    title = escape(f"{request.app.title} – API")
    body = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{VENDOR}/swagger-ui.css">
<script src="{VENDOR}/swagger-ui-bundle.js" defer></script>
<script src="/static/docs.js" defer></script>
</head>
<body>
<main id="swagger-ui" data-openapi="/openapi.json"></main>
</body>
</html>
"""
    return HTMLResponse(body, headers={"Content-Security-Policy": POLICY})
