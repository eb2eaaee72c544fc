"""The OpenAPI documentation page, with a Content-Security-Policy that names its one inline script by hash.

FastAPI's page loads Swagger UI from a CDN and starts it with an inline script; rather than allow inline
script everywhere, this page's own policy allows exactly that script and that CDN.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
CDN = "https://cdn.jsdelivr.net"
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    page = get_swagger_ui_html(openapi_url="/openapi.json", title=f"{request.app.title} – API")
    body = bytes(page.body).decode("utf-8")
    hashes = " ".join(
        "'sha256-{}'".format(
            base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        )
        for script in _INLINE_SCRIPT.findall(body)
    )
    policy = (
        f"default-src 'self'; script-src 'self' {CDN} {hashes}; style-src 'self' {CDN}; "
        f"img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; object-src 'none'; "
        "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    return HTMLResponse(body, headers={"Content-Security-Policy": policy})
