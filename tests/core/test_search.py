"""How search reads text and queries (engine.core.search), without a database: serial numbers however the office
types them, Chinese cut into characters and pairs, words, and snippets with the hits marked."""
from __future__ import annotations

import pytest

from engine.core.search import Serial, chunks, item_texts, parse_serial, read_query, serial_matches, snippet, tokens


@pytest.mark.parametrize("typed, serial", [
    ("督〔2026〕15号", Serial("督", 2026, 15)),
    ("督2026-15", Serial("督", 2026, 15)),
    ("督[2026]15号", Serial("督", 2026, 15)),
    ("督（2026）15号", Serial("督", 2026, 15)),
    ("督〔２０２６〕１５号", Serial("督", 2026, 15)),  # typed with full-width digits
    ("收〔2026〕3号", Serial("收", 2026, 3)),
    ("2026-15", Serial(None, 2026, 15)),
    ("15号", Serial(None, None, 15)),
    ("第15号", Serial(None, None, 15)),
    (" 15 号 ", Serial(None, None, 15)),
])
def test_a_serial_number_however_typed(typed, serial):
    assert parse_serial(typed) == serial


@pytest.mark.parametrize("typed", ["15", "202615", "安全生产", "督办", "15号文件", "督〔2026〕"])
def test_what_is_not_a_serial_number(typed):
    assert parse_serial(typed) is None


def test_a_serial_matches_only_its_own_item():
    s = parse_serial("督2026-15")
    assert serial_matches(s, "督〔2026〕15号", 2026, 15)
    assert not serial_matches(s, "收〔2026〕15号", 2026, 15)
    assert not serial_matches(s, "督〔2025〕15号", 2025, 15)
    assert serial_matches(parse_serial("15号"), "收〔2025〕15号", 2025, 15)
    assert not serial_matches(None, "督〔2026〕15号", 2026, 15)


def test_chinese_is_cut_into_characters_and_pairs_and_words_stay_whole():
    assert tokens("安全检查 Fire-Exits，２０２６年") == [
        "安", "安全", "全", "全检", "检", "检查", "查", "fire", "exits", "2026", "年"]


def test_a_query_asks_for_pairs_one_character_or_words():
    q = read_query("  消防通道  堂 VPN ，，")
    assert [(t.norm, t.cjk, t.words) for t in q.terms] == [
        ("消防通道", ("消防", "防通", "通道"), ()), ("堂", ("堂",), ()), ("vpn", (), ("vpn",))]
    assert q.serial is None
    assert read_query("，。").empty and read_query("").empty
    assert read_query("督2026-15").serial == Serial("督", 2026, 15)


def test_a_snippet_marks_every_hit_and_escapes_the_rest():
    q = read_query("隐患")
    assert snippet("发现<b>隐患</b>三处，隐患已整改", q.terms) == (
        "发现&lt;b&gt;<mark>隐患</mark>&lt;/b&gt;三处，<mark>隐患</mark>已整改")
    long = "前" * 100 + "隐患" + "后" * 100
    s = snippet(long, q.terms, width=30)
    assert s.startswith("…") and s.endswith("…") and "<mark>隐患</mark>" in s


def test_a_snippet_maps_back_to_what_was_written():
    """Full-width letters are matched as plain ones but shown as they were typed."""
    assert snippet("报告ＰＤＦ版", read_query("pdf").terms) == "报告<mark>ＰＤＦ</mark>版"


def test_an_items_own_texts_and_an_attachments_pieces():
    texts = item_texts("督〔2026〕1号", "大检查", {"title": "大检查", "instruction": "请牵头", "lead_unit": "finance",
                                                  "sender": ""}, ["title", "instruction", "sender"])
    assert texts == [("serial", "督〔2026〕1号"), ("title", "大检查"), ("instruction", "请牵头")]
    pieces = chunks("字" * 9000)
    assert [len(p) for p in pieces] == [4000, 4000, 1200]
    assert chunks("   ") == []
