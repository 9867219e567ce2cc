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


# --- issue 13b: accounts, outlets, organisations, closing credits ---

_BODY = ("<div class='content'><p>这是正文的第一段，内容足够长，含有标点符号，用于测试抽取器。</p>"
         "<p>这是正文的第二段，内容也足够长，同样含有标点符号，再写一句话。</p>"
         "<p>这是正文的第三段，记录了会议的主要内容和与会人员的发言，共计三百余字。</p>"
         "<p>这是正文的第四段，介绍了下一步的工作安排，并提出了具体的要求和时间表。</p>"
         "<p>这是正文的第五段，与会代表围绕产业升级、项目建设和营商环境展开了深入讨论。</p>"
         "<p>这是正文的第六段，会议强调要狠抓落实，确保各项任务按期完成，取得实效。</p>{tail}</div>")


def _article(meta: str, tail: str = "", head: str = "", after: str = "", title: str = "标题文字足够长") -> str:
    return (f"<html><head><title>{title}_某某平台</title>{head}</head><body><h1>{title}</h1>"
            f"<div class='sub'>{meta}</div>" + _BODY.format(tail=tail) + after + "</body></html>")


@pytest.mark.parametrize("meta, author, origin", [
    ("<span>华夏人文</span> <span>2020-03-09 18:14:21</span>", "华夏人文", None),        # a person's account
    ("<span>2019-05-17</span> <span>·</span> <span>苏皖城市报道</span>", "苏皖城市报道", None),
    ("<span class='original'>原创</span> <span>GameForce</span> <span>2019-09-04 22:18:34</span>", "GameForce", None),
    ("<span>中国网</span> <span>2019-11-25 10:37:31</span>", None, "中国网"),            # an outlet's account
    ("<span>2019-09-26 10:56:28</span> <span>证券时报网</span>", None, "证券时报网"),
    ("<span>2019-09-05 11:10 某某平台[整理]</span>", None, "某某平台"),                # the site itself
    ("<span>2019-09-05 11:10</span> <span>发布于：北京市</span>", None, None),          # a label, not a name
])
def test_account_beside_the_date(meta, author, origin):
    ex = extract_article(_article(meta), "http://x.example/a.html")
    assert (ex.author, ex.origin) == (author, origin)


def test_writer_and_outlet_pair():
    ex = extract_article(_article("<p>石佳/中国青年报</p><p>2020-01-03 18:13</p>"), "http://x.example/a.html")
    assert (ex.author, ex.origin) == ("石佳", "中国青年报")


def test_outlet_or_organisation_given_as_author_is_passed_over():
    # "作者：新京报" names the outlet; the writers are credited in the text
    ex = extract_article(_article("<p>来源：新京报 作者：新京报 2024-05-13</p>",
                                  tail="<p>（总台央视记者 奚丹霓 张赛）</p>"), "http://x.example/a.html")
    assert (ex.author, ex.origin) == ("奚丹霓 张赛", "新京报")
    assert author_from_lines(["作者：医技药剂党支部", "本站讯（职工通讯员 李琴雯 刘会）为深入推进"]) == "李琴雯 刘会"


def test_account_slot_names_outlet_or_writer():
    outlet = extract_article(_article("<p class='author-name'>IT之家</p><p>2019-09-30</p>"), "http://x.example/a")
    person = extract_article(_article("<a class='media-user'><span>去驴行</span></a><p>2019-09-08</p>"),
                             "http://x.example/a")
    assert (outlet.author, outlet.origin) == (None, "IT之家")
    assert (person.author, person.origin) == ("去驴行", None)


def test_writers_of_related_stories_are_not_the_byline():
    related = "".join(f"<li><a>相关文章标题{i}</a><span class='author'>{n}</span></li>"
                      for i, n in enumerate(("吴晓波", "郝倩", "鲁晓芙")))
    ex = extract_article(_article("<p>2016-05-25 10:10</p>", after=f"<ul>{related}</ul>"), "http://x.example/a")
    assert ex.author is None


def test_credit_closing_the_last_paragraph_past_widget_lines():
    prose = "这是最后一段正文，写得足够长以便被当作正文，实现“多赢”“共赢”。"
    assert final_credit([prose + "（钟才文）", "[", "责编：杨煜 ]"]) == "钟才文"
    assert final_credit(["让金融的发展更好地满足人民日益增长的美好生活需要。(文/图 刘玺东 易赛楠)"]) == "刘玺东 易赛楠"
    assert final_credit([prose + "（新华社）"]) is None  # an outlet, not a writer


def test_credit_at_the_head_of_a_long_paragraph():
    line = "本报讯（记者叶婉）近日，" + "北京市有关部门发布了一项新的政策措施，" * 12
    assert author_from_lines([line]) == "叶婉"


@pytest.mark.parametrize("line, expected", [
    ("本文来源于国家统计局 2024-05-11 09:36:26", "国家统计局"),
    ("来源CSDN|", "CSDN"),
    ("资金来源于财政拨款和社会捐助，由专门机构统一管理，接受审计监督和社会监督。", None),  # prose
])
def test_origin_without_a_colon(line, expected):
    assert origin_from_lines([line]) == expected


def test_json_ld_organisation_author_is_the_origin():
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x", '
          '"author": {"@type": "Organization", "name": "デイリースポーツ"}}</script>')
    ex = extract_article(_article("<p>2024-05-10</p>", head=ld), "http://x.example/a")
    assert (ex.author, ex.origin) == (None, "デイリースポーツ")


def test_latin_credit_prefixes_and_compiler_tail():
    assert names("Erstellt von Andri Bryner") == "Andri Bryner"
    assert names("By Lorraine Weightman") == "Lorraine Weightman"
    assert author_from_lines(["原创： 路闻卓立编译 人民币交易与研究"]) == "路闻卓立"


@pytest.mark.parametrize("lines", [
    ["2024-05-13 星期一"], ["2024年5月15日 週三 下午3:47"], ["2024-05-13 10:00 北京"], ["2024-05-08 23:23 来自甘肃"], ["2024-05-13 10:00", "太原市"],
    ["2024年05月28日 农历四月廿一"], ["2024-05-13 10:00 举报"],
])
def test_dateline_words_that_are_not_names(lines):
    from aggregator.extract.byline import dateline_credit

    assert dateline_credit(lines) is None
