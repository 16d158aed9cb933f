"""Plain ASGI middleware: a fraction of the cost of Starlette's BaseHTTPMiddleware per
request, which at hundreds of payments a second is more than a payment's own work."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """Acts on HTTP requests (`handle`); lifespan and websocket traffic pass through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One HTTP request, passed on to `self.app` as the middleware sees fit."""
        raise NotImplementedError
