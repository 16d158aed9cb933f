"""Files the APIs serve (workbooks, printable pages, PDFs): named the RFC 6266 way, whatever
the request put in the name, and workbook sheets titled the way Excel allows.

A name is built from the request (a scheme code, a unit code, a period) and may hold any
character: Chinese (医保), a quote, a control character. A header carries only Latin-1, and
a control character in one makes the server drop the connection; so every download names
its file with `content_disposition`: an ASCII fallback in `filename` (every other
character replaced by `_`) and the UTF-8 name, percent-encoded, in `filename*` (RFC 5987),
which browsers prefer. Control characters and path separators are removed from both.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal
from urllib.parse import quote

from fastapi.responses import Response

_UNSAFE_IN_NAME = re.compile(r"[/\\]")
_NOT_ASCII_TOKEN = re.compile(r"[^A-Za-z0-9!#$&+\-.^_`|~()\[\]{}@,=' ]+")
_ATTR_CHARS = "!#$&+-.^_`|~"
"""RFC 5987 `attr-char` beyond letters and digits: sent as they are in `filename*`."""
_FORBIDDEN_IN_TITLE = re.compile(r"[\[\]:*?/\\]")
MAX_SHEET_TITLE = 31


def _printable(text: str) -> str:
    """The text without control, format or unassigned characters (categories C*)."""
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))


def safe_filename(name: str, fallback: str = "download") -> str:
    """The name as it may be given to a client: no control characters, no path."""
    cleaned = _UNSAFE_IN_NAME.sub("_", _printable(name)).strip().strip(".")
    return cleaned or fallback


def content_disposition(
    name: str, disposition: Literal["attachment", "inline"] = "attachment"
) -> str:
    """`Content-Disposition` of a file called `name` (RFC 6266, RFC 5987)."""
    utf8 = safe_filename(name)
    ascii_name = _NOT_ASCII_TOKEN.sub("_", utf8)
    return (
        f'{disposition}; filename="{ascii_name}"; '
        f"filename*=UTF-8''{quote(utf8, safe=_ATTR_CHARS)}"
    )


def download(
    content: bytes,
    media_type: str,
    name: str,
    disposition: Literal["attachment", "inline"] = "attachment",
) -> Response:
    """A file response named `name` (see `content_disposition`)."""
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": content_disposition(name, disposition)},
    )


def sheet_title(text: str, fallback: str = "Sheet") -> str:
    """A worksheet title Excel and openpyxl accept: none of []:*?/\\ nor control
    characters, no leading or trailing apostrophe, at most 31 characters."""
    cleaned = _FORBIDDEN_IN_TITLE.sub("_", _printable(text)).strip().strip("'")
    return cleaned[:MAX_SHEET_TITLE].strip().strip("'") or fallback
