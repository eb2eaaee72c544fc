"""HEAD answers like GET without the body (uptime checkers and link checkers use HEAD).

FastAPI's GET routes do not answer HEAD (405); this middleware runs the GET and drops the body,
keeping the status and headers, including Content-Length, as GET would send them.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        finished = False

        async def send_without_body(message: Message) -> None:
            nonlocal finished
            if message["type"] == "http.response.body":
                if finished:
                    return
                if message.get("more_body", False):
                    return  # swallow the streamed parts; the last one ends the response
                finished = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)
