from __future__ import annotations

import pytest

from aggregator.extract import extract_article
from aggregator.extract.meta import AUTHOR_RES, EDITOR_RE, ORIGIN_RE, find_field


@pytest.mark.parametrize("line, expected", [
    ("来源：新华社", "新华社"),
    ("来源: 人民网-人民日报", "人民网-人民日报"),
    ("发布时间：2024-09-28 10:10　来源：山西日报　作者：张三", "山西日报"),
    ("2024-05-10 09:00 来源：央视新闻客户端 浏览次数：12", "央视新闻客户端"),
    ("稿源：太原日报 | 编辑：李四", "太原日报"),
    ("文章来源：中国政府网", "中国政府网"),
])
def test_origin(line, expected):
    assert find_field([line], ORIGIN_RE) == expected


def test_origin_near_miss():
    assert find_field(["资金来源主要是财政拨款和社会资本，项目总投资约5亿元，预计明年投产。"], ORIGIN_RE) is None


@pytest.mark.parametrize("line, expected", [
    ("作者：王晓明", "王晓明"),
    ("作者：王晓明　【字号：大 中 小】", "王晓明"),
    ("来源：新华社 记者：李梦馨 时间：2024-05-20", "李梦馨"),
    ("（记者 张芹 朱素芳）", "张芹 朱素芳"),
    ("本报记者 赵山", "赵山"),
    ("文/栗思", "栗思"),
])
def test_author(line, expected):
    got = None
    for pat in AUTHOR_RES:
        got = find_field([line], pat)
        if got:
            break
    assert got == expected


@pytest.mark.parametrize("line, expected", [
    ("责任编辑：刘光博", "刘光博"),
    ("(责编：胡永秋、杨光宇)", "胡永秋、杨光宇"),
    ("【责任编辑:王頔】", "王頔"),
    ("(编辑：文静)", "文静"),
    ("责编：张倩 审核：李明", "张倩"),
])
def test_editor(line, expected):
    assert find_field([line], EDITOR_RE) == expected


def test_editor_near_miss():
    # 总编辑 is a job title inside a sentence, not an editor credit
    assert find_field(["该报总编辑：表示将继续推进改革"], EDITOR_RE) is None


PAGE = """<html><head><title>太原市召开重点产业链推进会_太原新闻网</title></head><body>
<div class="top"><a href="/">首页</a></div>
<div class="article"><h1>太原市召开重点产业链推进会</h1>
<div class="meta">2024-09-28 10:10 来源：太原日报 作者：王强</div>
<div class="TRS_Editor"><p>9月27日，太原市召开重点产业链链长制工作推进会，部署下一阶段工作。</p>
<p>会议要求，各链长单位要加大招商力度，推动项目落地见效。</p>
<p>(责编：李红)</p></div></div></body></html>"""


def test_page_metadata_and_meta_lines_leave_body():
    ex = extract_article(PAGE, "http://www.tynews.com.cn/a.html")
    assert ex.title == "太原市召开重点产业链推进会"
    assert ex.origin == "太原日报"
    assert ex.author == "王强"
    assert ex.editor == "李红"
    assert "来源" not in ex.body and "2024-09-28" not in ex.body
    assert ex.body.split("\n")[0].startswith("9月27日")


def test_selectors_override_title_body_author():
    sel = {"title": "div.meta", "body": "//div[@class='TRS_Editor']/p[2]", "author": "h1"}
    ex = extract_article(PAGE, "http://x/", selectors=sel)
    assert ex.title.startswith("2024-09-28")
    assert ex.body == "会议要求，各链长单位要加大招商力度，推动项目落地见效。"
    assert ex.author == "太原市召开重点产业链推进会"


def test_bad_selector_falls_back_to_automatic():
    ex = extract_article(PAGE, "http://x/", selectors={"body": "div[[[", "title": "//*[@nonsense"})
    assert ex.title == "太原市召开重点产业链推进会"
    assert "推进会" in ex.body


@pytest.mark.parametrize("line, expected", [
    ("admin1年前 (2024-09-28)太原产业信息67", True),
    ("发布时间：2024-09-28 10:10 来源：新华网 浏览次数：128", True),
    ("2024年05月10日08:23 | 来源：人民网－人民日报", True),
    ("来源：新华社", True),
    ("作者：张三 编辑：李四", True),
    ("2020年09月11日 18:05", True),
    ("上海证券报网络版 2005.08.2605:39 关注", True),
    ("记者：新实木在国际市场上的走势如何？", False),         # interview prose
    ("2006年7月17日，卢伟光向方宏进发去了律师函。", False),  # dated prose
    ("活动时间自2009年2月20日至3月31日。", False),
    ("（记者 张三）", False),
])
def test_is_meta_line(line, expected):
    from aggregator.extract.meta import is_meta_line

    assert is_meta_line(line) is expected


@pytest.mark.parametrize("value, ok", [
    ("王强", True), ("戴小河、印朋", True), ("Alexander Zverev", True),
    ("103553", False), ("sina_mobile", False), ("http://example.com/u/1", False),
    ("这是一段很长的作者说明文字而不是作者姓名本身这样的", False),
])
def test_plausible_author_names(value, ok):
    from aggregator.extract.meta import plausible_name

    assert (plausible_name(value) == value) is ok


def test_origin_not_from_compound_words():
    assert find_field(["资金来源：财政拨款"], ORIGIN_RE) is None
    assert find_field(["本文来源：太原日报"], ORIGIN_RE) == "太原日报"
