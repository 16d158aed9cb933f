"""Circulars (通报) of a snapshot as .xlsx and .html: ranks, praised, criticised, actions."""

from __future__ import annotations

import base64
import io
import re
import zlib
from datetime import datetime

from openpyxl import load_workbook

from services.scoring.circulars.render import RANK_HEADER, TRIGGER_HEADER
from services.scoring.domain.business_calendar import SHANGHAI
from tests.conftest import bearer
from tests.integration.scoring.helpers import ADMIN, TOWN, VILLAGES, safety_campaign
from tests.integration.scoring.test_snapshots import close, snapshot

TODAY = datetime.now(SHANGHAI).date()
NUMBER = f"考核办通〔{TODAY.year}〕2号"
"""Issued today, the campaign's second circular of the year: its 文号."""


async def second_friday(client) -> dict:
    """Two consecutive weekly snapshots of villages scoring 5, 4, 3, 2, 1, 0: the second."""
    await client.post("/v1/campaigns", json=safety_campaign(), headers=ADMIN)
    await close(client, {0: 5, 1: 4, 2: 3, 3: 2, 4: 1})
    await snapshot(client, "weekly_friday", "2027-04-02")
    await close(client, {5: 6})  # village 5 leads the second week
    return await snapshot(client, "weekly_friday", "2027-04-09")


async def test_the_workbook_lists_ranks_praise_criticism_and_triggers(client_for):
    client = await client_for("scoring")
    taken = await second_friday(client)
    response = await client.get(f"/v1/snapshots/{taken['id']}/circular.xlsx", headers=ADMIN)
    assert response.status_code == 200
    assert "circular-2027-W14.xlsx" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["通报", "村(居)", "触发措施"]
    ranks = list(book["村(居)"].iter_rows(values_only=True))
    assert (
        ranks[0]
        == RANK_HEADER
        == ("名次", "单位代码", "单位名称", "得分", "完成进度", "较上期升降")
    )
    assert ranks[1] == (1, VILLAGES[5], "村5", 6, "60.0%", 5)
    assert ranks[2] == (2, VILLAGES[0], "村0", 5, "50.0%", -1)
    summary = [[c for c in row if c] for row in book["通报"].iter_rows(values_only=True)]
    assert summary[0] == ["考核工作领导小组办公室"]
    assert summary[1] == [NUMBER]  # the campaign's second circular of the year
    assert summary[2] == ["关于安全生产工作进度排名情况的通报"]
    assert summary[4] == [f"印发日期:{TODAY.year}年{TODAY.month}月{TODAY.day}日"]
    praised, criticised = summary[5], summary[6]
    assert praised == [
        "通报表扬",
        f"村5({VILLAGES[5]})",
        f"村0({VILLAGES[0]})",
        f"村1({VILLAGES[1]})",
    ]
    # The bottom five of six are ranks 2-6; ranks 2 and 3 are praised, so not criticised too.
    assert criticised == [
        "通报批评",
        f"村2({VILLAGES[2]})",
        f"村3({VILLAGES[3]})",
        f"村4({VILLAGES[4]})",
    ]
    assert not set(praised[1:]) & set(criticised[1:])
    triggers = list(book["触发措施"].iter_rows(values_only=True))
    assert triggers[0] == TRIGGER_HEADER
    admonished = {row[0] for row in triggers[1:] if row[3] == "连续两次排名末位"}
    assert admonished == {VILLAGES[3], VILLAGES[4]}  # village 5 left the bottom three
    assert all(row[4] == "约谈" for row in triggers[1:] if row[3] == "连续两次排名末位")


async def test_the_printable_page_names_ranks_praised_criticised_and_actions(client_for):
    client = await client_for("scoring")
    taken = await second_friday(client)
    response = await client.get(f"/v1/snapshots/{taken['id']}/circular.html", headers=ADMIN)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert f"<tr><td>1</td><td>{VILLAGES[5]}</td><td>村5</td><td>6</td><td>60.0%</td>" in page
    assert "<p class='praised'>村5、村0、村1</p>" in page
    assert "<p class='criticised'>村2、村3、村4</p>" in page  # nobody on both lists
    assert NUMBER in page and "<p class='office'>考核工作领导小组办公室</p>" in page
    assert "<th>名次</th><th>单位代码</th><th>单位名称</th><th>得分</th><th>完成进度</th>" in page
    assert f"<tr><td>{VILLAGES[3]}</td><td>村3</td><td>村(居)</td><td>连续两次排名末位</td>" in page
    assert "约谈" in page and "通报批评" in page
    # The English codes stay in the API, not in the printed document.
    assert "admonition_talk" not in page and "praised" not in page.replace("class='praised'", "")
    # It prints on A4 with each table's header repeated on every page.
    assert "@page{size:A4;margin:" in page and "thead{display:table-header-group}" in page


async def test_the_pdf_is_an_a4_document_beside_the_workbook(client_for):
    client = await client_for("scoring")
    taken = await second_friday(client)
    response = await client.get(f"/v1/snapshots/{taken['id']}/circular.pdf", headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "circular-2027-W14.pdf" in response.headers["content-disposition"]
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = re.findall(rb"/Type\s*/Page(?!s)", pdf)
    assert len(pages) >= 1
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.2\d* 841\.8\d*\s*\]", pdf)  # A4 in points
    assert b"/STSong-Light" in pdf
    text = pdf_text(pdf)
    for heading in (
        "考核工作领导小组办公室",
        NUMBER,
        "通报表扬",
        "通报批评",
        "完成进度",
    ):
        assert heading.encode("utf-16-be") in text, heading
    assert "村5、村0、村1".encode("utf-16-be") in text
    assert "村2、村3、村4".encode("utf-16-be") in text
    assert "村1、村2".encode("utf-16-be") not in text  # rank 3 is praised, not criticised


def pdf_text(pdf: bytes) -> bytes:
    """The page streams' text strings (STSong's UCS-2 codes), decoded, inflated, unescaped."""
    found = b""
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = stream.strip()
        if data.endswith(b"~>"):  # reportlab's ASCII85 wrapping
            data = base64.a85decode(data[:-2])
        try:
            content = zlib.decompress(data)
        except zlib.error:
            continue
        for literal in re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", content, re.S):
            found += _unescape(literal)
    return found


def _unescape(literal: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(literal):
        if literal[i : i + 1] == b"\\":
            octal = re.match(rb"[0-7]{1,3}", literal[i + 1 : i + 4])
            if octal:
                out.append(int(octal.group(), 8))
                i += 1 + len(octal.group())
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(
                literal[i + 1 : i + 2], literal[i + 1 : i + 2]
            )
            i += 2
            continue
        out += literal[i : i + 1]
        i += 1
    return bytes(out)


async def test_a_circular_outside_the_jurisdiction_is_refused(client_for):
    client = await client_for("scoring")
    taken = await second_friday(client)
    elsewhere = bearer(["town_officer"], "320116101000")
    response = await client.get(f"/v1/snapshots/{taken['id']}/circular.html", headers=elsewhere)
    assert response.status_code == 404  # a snapshot's existence is private, as an unknown id's


async def test_a_town_officer_sees_only_the_towns_villages_of_a_district_campaign(client_for):
    client = await client_for("scoring")
    taken = await second_friday(client)
    town = bearer(["town_officer"], TOWN)
    ours, theirs = set(VILLAGES[:2]), set(VILLAGES[2:])
    read = await client.get(f"/v1/snapshots/{taken['id']}", headers=town)
    assert read.status_code == 200
    assert {e["unit_code"] for e in read.json()["entries"]} == ours
    book = await client.get(f"/v1/snapshots/{taken['id']}/circular.xlsx", headers=town)
    rows = load_workbook(io.BytesIO(book.content))["村(居)"].iter_rows(values_only=True)
    assert {row[1] for row in list(rows)[1:] if row[1]} == ours
    page = await client.get(f"/v1/snapshots/{taken['id']}/circular.html", headers=town)
    assert all(v in page.text for v in ours) and not any(v in page.text for v in theirs)
    fired = await client.get("/v1/campaigns/safety-2027/triggers", headers=town)
    assert fired.status_code == 200 and {t["unit_code"] for t in fired.json()} <= ours
    settled = await client.get("/v1/campaigns/safety-2027/settlement", headers=town)
    units = {a["unit_code"] for a in settled.json()["date_bucket_awards"]}
    units |= {p["unit_code"] for p in settled.json()["rank_awards"]}
    assert settled.status_code == 200 and units <= ours
    everything = await client.get(f"/v1/snapshots/{taken['id']}", headers=ADMIN)
    assert {e["unit_code"] for e in everything.json()["entries"]} == ours | theirs
