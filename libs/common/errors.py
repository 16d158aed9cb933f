"""RFC 9457 problem details for every error response.

Domain and use-case code raise the exception classes below; the app factory maps each
class once to a status and a problem type, so routes never build error responses.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Message, Receive, Scope, Send

from libs.common.asgi import HttpMiddleware
from libs.common.logging import current_request_id, get_logger

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://gridgov.example/problems/"
log = get_logger(__name__)


class GridgovError(Exception):
    """Base of every error a client should see as a problem document."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class NotFound(GridgovError):
    """The resource does not exist or is outside the caller's jurisdiction."""

    status, slug, title = 404, "not-found", "Not found"


class Conflict(GridgovError):
    """The request conflicts with the current state (duplicate, wrong state)."""

    status, slug, title = 409, "conflict", "Conflict"


class RuleViolation(GridgovError):
    """A business rule refuses the request."""

    status, slug, title = 422, "rule-violation", "Business rule violated"


class Unauthorized(GridgovError):
    """Missing, expired or invalid credentials."""

    status, slug, title = 401, "unauthorized", "Unauthorized"


class Forbidden(GridgovError):
    """Authenticated, but the role or jurisdiction does not allow this."""

    status, slug, title = 403, "forbidden", "Forbidden"


class PreconditionFailed(GridgovError):
    """If-Match did not match the record's current version."""

    status, slug, title = 412, "precondition-failed", "Precondition failed"


def problem(
    status: int, slug: str, title: str, detail: str, request: Request, **extra: Any
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if request_id := current_request_id():
        body["request_id"] = request_id
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _pointer(loc: tuple[Any, ...]) -> str:
    return "#/" + "/".join(str(part) for part in loc)


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    """One entry per invalid field: its JSON pointer, its name and what is wrong."""
    return [
        {
            "pointer": _pointer(tuple(err["loc"])),
            "field": ".".join(str(p) for p in err["loc"][1:]) or str(err["loc"][0]),
            "detail": err["msg"],
        }
        for err in exc.errors()
    ]


async def _on_gridgov_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GridgovError)
    return problem(
        exc.status, exc.slug, exc.title, exc.detail, request, field=exc.field, **exc.extra
    )


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc)
    fields = ", ".join(e["field"] for e in errors)
    return problem(
        422,
        "validation-error",
        "Invalid request",
        f"Invalid fields: {fields}",
        request,
        errors=errors,
    )


def http_problem(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """The problem document of an HTTP-level refusal (unknown route, body too large)."""
    slug = {
        404: "not-found",
        405: "method-not-allowed",
        413: "content-too-large",
        422: "validation-error",
    }.get(exc.status_code, "http-error")
    title = {413: "Content too large", 422: "Invalid request"}.get(exc.status_code, str(exc.detail))
    errors = getattr(exc, "errors", None)  # a refusal that names where, as NulRefused does
    response = problem(exc.status_code, slug, title, str(exc.detail), request, errors=errors)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return http_problem(request, exc)


def unexpected_problem(request: Request) -> JSONResponse:
    """The 500 problem document of an error no handler expected (its `request_id` lets the
    caller and the operator find the logged stack)."""
    return problem(
        500, "internal-error", "Internal error", "An unexpected error occurred.", request
    )


class UnhandledErrorMiddleware(HttpMiddleware):
    """Answers an unexpected exception with a 500 problem document, logged with its stack.

    Starlette's own handler for `Exception` runs in its outermost middleware: outside the
    request id (the body had none, the response no `X-Request-ID`), and it re-raises, so
    that the server then closes the client's keep-alive connection. Installed inside the
    request-id middleware, this one answers and returns: the connection stays usable.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            request = Request(scope)
            log.exception("unhandled error", method=request.method, path=request.url.path)
            if started:  # half a response sent: nothing to do but let the server close it
                raise
            await unexpected_problem(request)(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Map every error to problem+json, once, for the whole app.

    Call it before adding the request-id middleware: the unexpected-error middleware must
    run inside it (the middleware added first is the innermost)."""
    app.add_exception_handler(GridgovError, _on_gridgov_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_middleware(UnhandledErrorMiddleware)
