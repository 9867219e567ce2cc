"""Titles: the headline as displayed (issue 13)."""

from __future__ import annotations

from aggregator.extract import extract_article

BODY = ("<div class='content'><p>这是正文的第一段，内容足够长，含有标点符号，用于测试。</p>"
        "<p>这是正文的第二段，内容也足够长，同样含有标点符号。</p></div>")


def _title(head: str, body: str) -> str:
    return extract_article(f"<html><head>{head}</head><body>{body}{BODY}</body></html>", "http://x.example.com/a").title


def test_bare_dash_site_suffix_removed():
    assert _title("<title>法国全国大罢工再次严重影响交通-新华网</title>", "<div>x</div>") == "法国全国大罢工再次严重影响交通"


def test_headline_in_an_h5_beats_the_channel_title():
    body = "<h3>首页 - 新闻动态</h3><h5>2019年中国人文地理学术年会在重庆成功举行！</h5>"
    assert _title("<title>新闻动态--中国地理学会官网</title>", body + "<h5>中国地理学会</h5>") == \
        "2019年中国人文地理学术年会在重庆成功举行！"


def test_short_headline_matching_the_title_prefix_is_kept():
    assert _title("<title>静夜思•夜-中国诗歌网</title>", "<h3>静夜思•夜</h3><h4>联系邮箱 poem@example.com 热线</h4>") == "静夜思•夜"


def test_channel_prefix_then_headline():
    assert _title("<title>明日股市预测--最新出炉联合国贸发报告：全球经济增长率降至2.3%</title>", "<div>x</div>") == \
        "最新出炉联合国贸发报告：全球经济增长率降至2.3%"


def test_heading_counter_and_edit_links_trimmed():
    head = "<title>第二章 失乡号的船长 _《深海余烬》小说在线阅读 - 起点中文网</title>"
    assert _title(head, "<h1>第二章 失乡号的船长<span class='review-count'>241</span></h1>") == "第二章 失乡号的船长"
    head = "<title>雄安新区 - 维基百科，自由的百科全书</title>"
    assert _title(head, "<h1><span>雄安新区</span><span class='mw-editsection'>[编辑]</span></h1>") == "雄安新区"


def test_site_name_after_a_space_removed_when_the_site_names_itself():
    head = "<title>我院医技药剂党支部举办2019年中药、药学理论知识与专业技能大赛 湖南省中医药研究院附属医院</title>"
    body = "<div>x</div>"
    foot = "<div class='txt'>版权所有 湖南省中医药研究院附属医院 Copyright © 2018</div>"
    html = f"<html><head>{head}</head><body>{body}{BODY}{foot}</body></html>"
    assert extract_article(html, "http://x.example.com/a").title == "我院医技药剂党支部举办2019年中药、药学理论知识与专业技能大赛"
    # a headline whose last words merely repeat the keywords tag keeps them
    head = "<title>为什么 ChatGPT 不火了？</title><meta name='keywords' content='ChatGPT,不火了？'>"
    assert _title(head, "<div>x</div>") == "为什么 ChatGPT 不火了？"


def test_title_missing_from_the_title_tag_comes_from_the_h1():
    assert _title("<title>-铜雀历史网</title>", "<h1>疫情一刀切政策怎么投诉举报</h1><h5>相关文章</h5>") == "疫情一刀切政策怎么投诉举报"
