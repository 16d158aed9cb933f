"""Download names and sheet titles built from a request: any character in, a header and a
workbook that every client and Excel accept out."""

from __future__ import annotations

import io
from urllib.parse import unquote

import pytest
from openpyxl import Workbook, load_workbook

from libs.common.downloads import content_disposition, sheet_title
from services.enrollment.export import workbook


@pytest.mark.parametrize(
    ("name", "fallback", "utf8"),
    [
        ("report.xlsx", "report.xlsx", "report.xlsx"),
        ("tasks-医保-2027.xlsx", "tasks-_-2027.xlsx", "tasks-医保-2027.xlsx"),
        ("a\r\nb\x00c.pdf", "abc.pdf", "abc.pdf"),
        ('q"uote;semi%25\\back/slash.html', "q_uote_semi_25_back_slash.html", None),
        ("\x01\x02", "download", "download"),
    ],
)
def test_a_file_name_is_sent_as_an_ascii_fallback_and_percent_encoded_utf8(
    name: str, fallback: str, utf8: str | None
) -> None:
    header = content_disposition(name)
    kind, plain, extended = header.split("; ")
    assert kind == "attachment"
    assert plain == f'filename="{fallback}"'
    assert extended.startswith("filename*=UTF-8''")
    if utf8 is not None:
        assert unquote(extended.removeprefix("filename*=UTF-8''")) == utf8
    header.encode("latin-1")  # a header carries only Latin-1
    assert header.isascii() and header.isprintable()


def test_an_inline_page_is_named_too() -> None:
    assert content_disposition("通报.html", "inline").startswith('inline; filename="_.html"')


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("persons-320115101001", "persons-320115101001"),
        ("enrollments-医保-2027-320115101001", "enrollments-医保-2027-32011510100"),
        ("a[b]c:d*e?f/g\\h", "a_b_c_d_e_f_g_h"),
        ("tab\there\x00", "tabhere"),
        ("'quoted'", "quoted"),
        ("[]", "__"),
        ("\x01", "Sheet"),
    ],
)
def test_a_sheet_title_is_one_excel_accepts(text: str, title: str) -> None:
    assert sheet_title(text) == title
    Workbook().create_sheet(sheet_title(text))  # openpyxl refuses what Excel refuses


def test_a_workbook_named_from_the_request_opens_with_control_characters_left_out() -> None:
    data = workbook("enrollments-医保/2027:[x]?", [{"name": "王\x07五", "n": 1}], ["name", "n"])
    book = load_workbook(io.BytesIO(data))
    [sheet] = book.worksheets
    assert sheet.title == "enrollments-医保_2027__x__"
    assert [tuple(row) for row in sheet.iter_rows(values_only=True)] == [
        ("name", "n"),
        ("王五", 1),
    ]
