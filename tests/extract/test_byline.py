"""Bylines: author, origin and editor credits (issue 13)."""

from __future__ import annotations

import pytest

from aggregator.extract import extract_article
from aggregator.extract.byline import author_from_lines, editor_from_lines, final_credit, names, origin_from_lines


@pytest.mark.parametrize("line, expected", [
    ("文：眉间尺", "眉间尺"),
    ("作者： 周思博", "周思博"),
    ("由海姑娘张贴", "海姑娘"),
    ("发表于 2005-9-15 11:46:00 by Alice", "Alice"),
    ("新京报讯（记者 陆一夫）", "陆一夫"),
    ("新华社深圳5月12日电（记者戴小河、印朋）", "戴小河 印朋"),
    ("新华社北京5月19日电（刘艺、杨吉）", "刘艺 杨吉"),
    ("采写：南都见习记者 林子沛", "林子沛"),
    ("澎湃新闻记者 贺梨萍", "贺梨萍"),
    ("（职工通讯员 李琴雯 刘会）", "李琴雯 刘会"),
    ("(文/图 刘玺东 易赛楠)", "刘玺东 易赛楠"),
    ("长江网10月4日讯（记者陈智 整合）", "陈智"),
    ("撰稿：王强", "王强"),
])
def test_author_credits(line, expected):
    assert author_from_lines([line]) == expected


@pytest.mark.parametrize("value", ["流泉 访问统计", "余毅菁 向雪妮返回富达", "最新文章",
                                   "这是一句很长的正文句子，它讲述了一件事情而不是署名。", "本站原创", "12345"])
def test_non_names_rejected(value):
    assert names(value) is None


@pytest.mark.parametrize("line, expected", [
    ("【责任编辑：王頔】", "王頔"),
    ("(责编：汤诗瑶、丁涛)", "汤诗瑶 丁涛"),
    ("责任编辑：杨倩_NF4425", "杨倩"),
    ("[责任编辑：韩保林 PK155]", "韩保林"),
    ("编辑：倪仕轩 责任编辑：杨格", "杨格"),      # 责任编辑 over 编辑
    ("编辑|禤志杰 责编|陈梦莹", "陈梦莹"),
    ("（责任编辑： HN666）", "HN666"),
    ("选稿：许文杰", "许文杰"),
])
def test_editor_credits(line, expected):
    assert editor_from_lines([line]) == expected


def test_origin_with_inline_markup_and_placeholders():
    html = ("<html><head><title>标题文字足够长_新华网</title></head><body><h1>标题文字足够长</h1>"
            "<div class='info'>2019-12-10 08:00:00 来源： <em id='source'> 新华网</em></div>"
            "<div class='content'><p>这是正文的第一段，内容足够长，含有标点符号，用于测试。</p>"
            "<p>这是正文的第二段，内容也足够长，同样含有标点符号。</p></div>"
            "<div class='foot'><span>责任编辑： 尹世杰 </span></div></body></html>")
    ex = extract_article(html, "http://www.xinhuanet.com/a.htm")
    assert ex.origin == "新华网" and ex.editor == "尹世杰"
    assert origin_from_lines(["来源：本站原创"]) is None


def test_hinted_source_element_and_site_author_rejected():
    html = ("<html><head><title>标题文字足够长_网易财经</title><meta name='author' content='网易'></head><body>"
            "<h1>标题文字足够长</h1><div class='post_info'>2019-09-07 13:43 <a class='source' href='/x'>新京报</a></div>"
            "<div class='content'><p>这是正文的第一段，内容足够长，含有标点符号，用于测试。</p>"
            "<p>这是正文的第二段，内容也足够长，同样含有标点符号。</p></div></body></html>")
    ex = extract_article(html, "http://news.163.com/a.html")
    assert ex.origin == "新京报" and ex.author is None


def test_final_short_credit():
    assert final_credit(["南美站活动将先后在巴西、乌拉圭、阿根廷举行。（张巨峰）"]) == "张巨峰"
    assert final_credit(["向他们表达了节日的祝福和诚挚的问候。（sd退役军人之家）"]) is None
