"""The access log: method, path, status and duration; no query string, no client address by default.

Query strings carry search words, coordinates and typed street addresses, which are personal data in
a health context, so only the path is logged. The client's IP address is logged only when the operator
sets LOG_CLIENT_IP (README: what that means for privacy).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("tarjotin.access")


def access_line(method: str, path: str, status: int, millis: float, client: str | None = None) -> str:
    line = f"{method} {path} {status} {millis:.0f}ms"
    return f"{client} {line}" if client else line


class AccessLog:
    def __init__(self, app: ASGIApp, client_ip: bool = False) -> None:
        self.app = app
        self.client_ip = client_ip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app fails before answering

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            client = scope.get("client")
            address = client[0] if self.client_ip and client else None
            millis = (time.perf_counter() - started) * 1000
            log.info(access_line(scope["method"], scope["path"], status, millis, address))
