"""Reading the CSV files villages and banks send: their encoding, their header."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from libs.common.errors import RuleViolation

ENCODINGS = ("utf-8-sig", "gb18030")
"""UTF-8 (with or without a BOM), or the GB 18030 Chinese office software writes."""

Row = dict[str, str | None]


def read(data: bytes, required: Sequence[str], columns: Sequence[str]) -> Iterator[Row]:
    """The rows of a CSV file; 422 naming the file when its header lacks a required column."""
    reader = csv.DictReader(io.StringIO(decode(data), newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    if missing:
        raise RuleViolation(
            f"The file's header lacks {', '.join(missing)}; columns are {', '.join(columns)}.",
            field="file",
            code="file_header_invalid",
        )
    reader.fieldnames = header
    return iter(reader)


def decode(data: bytes) -> str:
    """The file's text; 422 when it is in no encoding we read."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RuleViolation(
        "The file is neither UTF-8 nor GB 18030 text.", field="file", code="file_encoding"
    )


def text(row: Row, name: str) -> str | None:
    """A cell's stripped text, None when empty or absent."""
    value = (row.get(name) or "").strip()
    return value or None
