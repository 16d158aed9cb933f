"""How large a request body a service reads: a bigger one is refused with 413 before it is
read into memory, as a problem document like every other error."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from libs.common.asgi import HttpMiddleware
from libs.common.errors import http_problem

MAX_REQUEST_BYTES = 8 << 20
"""Any body but a CSV file: 8 MiB. A payment is half a kilobyte; the largest JSON bodies
are scoring campaigns listing their units, about 90 bytes each (5,000 units: 450 KB)."""

MAX_FILE_BYTES = 64 << 20
"""A CSV upload (`Content-Type: text/csv`: bank files, rosters): 64 MiB, about half a
million bank-file lines. Larger files go in with the command line, which has no limit."""


def body_limit(headers: Headers) -> int:
    """The most bytes a request with these headers may send."""
    csv = headers.get("content-type", "").startswith("text/csv")
    return MAX_FILE_BYTES if csv else MAX_REQUEST_BYTES


def too_large(limit: int) -> HTTPException:
    """The refusal of a body over `limit` (an HTTPException, so that FastAPI, reading a
    JSON body, passes it on instead of calling the body unparsable)."""
    return HTTPException(413, f"The request body is larger than {limit:,} bytes.")


class BodyLimitMiddleware(HttpMiddleware):
    """Refuses a body over its limit: at once when its Content-Length says so, else as soon
    as the bytes received pass it."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        limit = body_limit(headers)
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            # Outside the app's exception handlers: answered here, in the same form.
            await http_problem(Request(scope), too_large(limit))(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise too_large(limit)
            return message

        await self.app(scope, receive_within_limit, send)
