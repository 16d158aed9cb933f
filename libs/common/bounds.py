"""Bounds every request value meets at the edge, before it reaches a use case or the
database: a PostgreSQL `integer` holds at most 2^31 - 1, and `text` no NUL character.

Routes type their integer parameters with these; pydantic bodies use the same figures.
A NUL character is refused anywhere in a request (path, query, headers, a JSON, form or
text body), once for every route, by `NulRefusalMiddleware`: 422, before any route runs.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from libs.common.asgi import HttpMiddleware
from libs.common.errors import http_problem

MIN_YEAR, MAX_YEAR = 2000, 2100
"""A scheme-year, a collection year, a campaign's year."""
MAX_OFFSET = 1_000_000
"""How far into a list a page may start."""
MAX_POSITION = 2**63 - 1
"""A replay position (`bigint`)."""

Year = Annotated[int, Path(ge=MIN_YEAR, le=MAX_YEAR, description="2000 to 2100")]
QueryYear = Annotated[int, Query(ge=MIN_YEAR, le=MAX_YEAR, description="2000 to 2100")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="0 to 1,000,000")]
MAX_CODE = 64
"""A code naming a scheme, a campaign, a pool or a ladder (their columns are 64 long)."""
Code = Annotated[str, Path(min_length=1, max_length=MAX_CODE, description="1 to 64 characters")]
QueryCode = Annotated[
    str, Query(min_length=1, max_length=MAX_CODE, description="1 to 64 characters")
]


NUL_REFUSED = "A NUL character (U+0000) is not allowed anywhere in a request."
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)
r"""`\u0000` in JSON text, unless its backslash is itself escaped (`\\u0000` is text)."""
_TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/")


class NulRefused(HTTPException):
    """The refusal of a request carrying a NUL, naming where (an HTTPException, so that
    FastAPI, reading a JSON body, passes it on instead of calling the body unparsable)."""

    def __init__(self, where: str) -> None:
        super().__init__(422, NUL_REFUSED)
        self.errors = [{"pointer": f"#/{where}", "field": where, "detail": NUL_REFUSED}]
        """The problem's `errors`, as a validation error lists them."""


def nul_refused(where: str = "body") -> NulRefused:
    """The refusal of a NUL found in `where` (body, path, query, header)."""
    return NulRefused(where)


def carries_nul(scope: Scope) -> str | None:
    """Where the path, query string or a header carries a NUL, raw or percent-encoded."""
    query: bytes = scope.get("query_string", b"")
    raw_path: bytes = scope.get("raw_path") or b""
    if "\x00" in scope.get("path", "") or b"%00" in raw_path:
        return "path"
    if b"%00" in query or b"\x00" in query:
        return "query"
    if any(b"\x00" in value for _, value in scope.get("headers", [])):
        return "header"
    return None


class NulRefusalMiddleware(HttpMiddleware):
    """Refuses a NUL in the request (PostgreSQL stores no NUL in text, and no field of any
    service has a use for one): at once in the path, query or headers, else as soon as the
    body's bytes show one."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if where := carries_nul(scope):
            await http_problem(Request(scope), nul_refused(where))(scope, receive, send)
            return
        content_type = Headers(scope=scope).get("content-type", "").lower()
        if content_type and not content_type.startswith(_TEXT_BODIES):
            await self.app(scope, receive, send)
            return
        tail = b""

        async def receive_without_nul() -> Message:
            nonlocal tail
            message = await receive()
            if message["type"] == "http.request":
                chunk = tail + message.get("body", b"")
                if b"\x00" in chunk or _ESCAPED_NUL.search(chunk):
                    raise nul_refused()
                tail = chunk[-16:]  # an escape split across two chunks
            return message

        await self.app(scope, receive_without_nul, send)
