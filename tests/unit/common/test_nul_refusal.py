"""A NUL is refused anywhere in a request, before any route sees it, even when a body's
`\\u0000` escape arrives split across two chunks; text that only looks like one passes."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from libs.common.bounds import NUL_REFUSED, NulRefusalMiddleware
from libs.common.errors import install_error_handlers


def app() -> FastAPI:
    api = FastAPI()
    install_error_handlers(api)
    api.add_middleware(NulRefusalMiddleware)

    @api.post("/echo")
    async def echo(request: Request) -> dict[str, Any]:
        return {"body": (await request.body()).decode()}

    @api.get("/echo/{name}")
    async def name(name: str, q: str = "") -> dict[str, str]:
        return {"name": name, "q": q}

    return api


async def call(scope_extra: dict[str, Any], chunks: list[bytes]) -> tuple[int, dict[str, Any]]:
    """Drive the app with the body in the chunks given; the status and the JSON answer."""
    sent: list[dict[str, Any]] = []
    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive() -> dict[str, Any]:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/echo",
        "raw_path": b"/echo",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
        "server": ("test", 80),
        "client": ("test", 1),
        "root_path": "",
    } | scope_extra
    await app()(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(body)


@pytest.mark.parametrize(
    "chunks",
    [
        [b'{"name": "a\\u0000b"}'],
        [b'{"name": "a\\u00', b'00b"}'],
        [b'{"name": "a\\', b"u0000b", b'"}'],
        [b'{"name": "a\\U0000b"}'],
        [b'{"name": "a\\\\\\u0000b"}'],
        [b"name\nA\x00B\n"],
    ],
)
async def test_a_nul_in_a_body_is_refused(chunks: list[bytes]) -> None:
    status, answer = await call({}, chunks)
    assert (status, answer["detail"]) == (422, NUL_REFUSED)
    assert answer["type"].endswith("/validation-error")


@pytest.mark.parametrize(
    "chunks",
    [[b'{"name": "a\\\\u0000b"}'], [b'{"name": "a\\\\', b'u0000b"}'], [b'{"n": "u0000"}']],
)
async def test_text_that_only_looks_like_a_nul_passes(chunks: list[bytes]) -> None:
    status, answer = await call({}, chunks)
    assert status == 200, answer
    assert answer["body"] == b"".join(chunks).decode()


async def test_a_binary_body_is_not_read_as_text() -> None:
    status, _ = await call({"headers": [(b"content-type", b"application/pdf")]}, [b"%PDF\x00"])
    assert status == 200


async def test_a_nul_in_the_path_query_or_a_header_is_refused() -> None:
    transport = httpx.ASGITransport(app=app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        assert (await client.get("/echo/ab", params={"q": "x"})).status_code == 200
        for url in ("/echo/a%00b", "/echo/ab?q=a%00b"):
            refused = await client.get(url)
            assert refused.status_code == 422, url
            assert refused.json()["detail"] == NUL_REFUSED
    status, _ = await call({"headers": [(b"x-name", b"a\x00b")]}, [b"{}"])
    assert status == 422
