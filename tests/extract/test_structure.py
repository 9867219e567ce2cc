"""Structural junk inside and around the article container leaves the body."""

from __future__ import annotations

import pytest

from aggregator.extract import extract_article

ARTICLE = [
    "新华社太原9月28日电 山西省28日召开全省制造业振兴升级推进会，部署重点产业链培育工作。",
    "会议指出，要坚持把发展经济的着力点放在实体经济上，加快传统产业改造升级，培育壮大新兴产业。",
    "会议要求，各地各部门要强化责任担当，确保各项任务落地见效。",
    "（记者 王晓）",
]

JUNK_IN_CONTAINER = """
<div class="article-content">
  <div class="crumbs">当前位置：<a href="/">首页</a> &gt; <a href="/news/">要闻</a> &gt; 正文</div>
  <h1>山西召开全省制造业振兴升级推进会</h1>
  <div class="article-info">发布时间：2024-09-28 10:10 来源：新华网 浏览次数：128 字号：<a>大</a> <a>中</a> <a>小</a></div>
  {paras}
  <div class="bdsharebuttonbox">分享到：<a>微信</a><a>微博</a><a>QQ空间</a></div>
  <p>扫一扫在手机打开当前页</p>
  <p>【<a>打印本页</a>】【<a>关闭窗口</a>】</p>
  <div class="pre-next"><p>上一篇：<a href="/1">山西出台支持民营经济发展若干措施</a></p><p>下一篇：<a href="/2">太原地铁2号线客流创新高</a></p></div>
  <h3>相关新闻</h3>
  <ul><li><a href="/3">山西制造业增加值增长</a></li><li><a href="/4">山西工业经济运行平稳</a></li><li><a href="/5">太原重点产业链推进会召开</a></li></ul>
  <div class="comment-box"><h3>网友评论</h3><p>请登录后发表评论，文明上网理性发言。</p></div>
</div>
"""


def _page(inner: str) -> str:
    return ("<html><head><title>山西召开全省制造业振兴升级推进会_新华网</title></head><body>"
            "<div class='nav'><a href='/'>首页</a><a href='/a'>时政</a><a href='/b'>经济</a><a href='/c'>社会</a></div>"
            + inner +
            "<div class='footer'>关于我们 | 联系我们 | 版权所有 新华网 晋ICP备12345号</div></body></html>")


def test_junk_inside_container_is_removed():
    html = _page(JUNK_IN_CONTAINER.format(paras="".join(f"<p>{p}</p>" for p in ARTICLE)))
    ex = extract_article(html, "http://sx.news.cn/2024-09/28/c_1.htm")
    assert ex.body.split("\n") == ARTICLE


def test_br_separated_paragraphs_and_short_last_byline():
    html = _page("<div id='zoom'>" + "<br><br>".join(ARTICLE) + "</div>")
    ex = extract_article(html, "http://x/")
    assert ex.body.split("\n") == ARTICLE


def test_table_layout_gov_page():
    rows = "".join(f"<p>{p}</p>" for p in ARTICLE)
    html = _page(f"""<table><tr><td width=200><a href=/1>机构概况</a><br><a href=/2>政务公开</a><br><a href=/3>办事服务</a></td>
      <td><table><tr><td class='title'>山西召开全省制造业振兴升级推进会</td></tr>
      <tr><td>日期：2024-09-28　来源：省工信厅</td></tr><tr><td class='content'>{rows}</td></tr></table></td></tr></table>""")
    ex = extract_article(html, "http://x/")
    assert ex.body.split("\n") == ARTICLE


def test_related_list_with_excerpts_is_cut():
    related = "".join(f"<li><h4><a href='/{i}'>相关标题{i}</a></h4><p>这是相关文章{i}的摘要内容，足够长，带有标点，看起来像正文。</p></li>"
                      for i in range(5))
    html = _page("<div class='post'>" + "".join(f"<p>{p}</p>" for p in ARTICLE)
                 + f"<h3>相关文章</h3><ul>{related}</ul></div>")
    ex = extract_article(html, "http://x/")
    assert ex.body.split("\n") == ARTICLE


def test_sentence_mentioning_share_words_is_kept():
    text = "上一篇报道提到，企业可以通过分享到朋友圈的方式获得优惠，这一做法引发讨论。"
    html = _page("<div class='content'>" + "".join(f"<p>{p}</p>" for p in [ARTICLE[0], text, ARTICLE[1]]) + "</div>")
    ex = extract_article(html, "http://x/")
    assert text in ex.body.split("\n")


def test_related_box_above_article_is_not_a_cut_point():
    top = "<p><strong>相关新闻：</strong></p><p><a href='/1'>直播发布会</a></p>"
    html = _page("<div id='artibody' class='BSHARE_POP blkContainerSblkCon'>" + top
                 + "".join(f"<p>{p}</p>" for p in ARTICLE) + "</div>")
    ex = extract_article(html, "http://x/")
    assert ex.body.split("\n")[-4:] == ARTICLE
    assert "相关新闻" not in ex.body


def test_stray_end_html_and_page_wide_form():
    html = ("<html><head><title>山西召开全省制造业振兴升级推进会</title></head><body><form id='form1'>"
            "<div class='header'><a href='/'>首页</a></div></html><!-- end of included header -->"
            "<div class='content'>" + "".join(f"<p>{p}</p>" for p in ARTICLE) + "</div>"
            "<button class='go'/><div class='footer'>地址：太原市</div></form></body></html>")
    ex = extract_article(html, "http://x/")
    assert ex.body.split("\n") == ARTICLE


def test_lead_summary_block_before_container_is_kept():
    lead = "核心提示：腊八节要吃腊八粥，但很多年轻人并不知道腊八粥该怎样做。今天就来教大家。"
    html = _page("<div class='art'><h1>山西召开全省制造业振兴升级推进会</h1><div class='time'>2024-09-28</div>"
                 f"<div class='summary-box'>{lead}</div><div class='art-body'>"
                 + "".join(f"<p>{p}</p>" for p in ARTICLE) + "</div></div>")
    ex = extract_article(html, "http://x/")
    assert ex.body.split("\n") == [lead] + ARTICLE


def test_summary_repeating_the_body_is_not_duplicated():
    html = _page("<div class='art'><h1>山西召开全省制造业振兴升级推进会</h1>"
                 f"<div class='intro'>{ARTICLE[0][:50]}。</div><div class='art-body'>"
                 + "".join(f"<p>{p}</p>" for p in ARTICLE) + "</div></div>")
    ex = extract_article(html, "http://x/")
    assert ex.body.split("\n") == ARTICLE


@pytest.mark.parametrize("line, junk", [
    ("共3页 首页 上一页 1 2 3 下一页 尾页", True),
    ("上一页 1 2 3 下一页", True),
    ("« 1 2 »", True),
    ("37", False),            # a lone number (comment counts, list items) is not a pager
    ("3 5 8", False),
    ("广告魔兽世界公益服，今日新开，纯免费！", True),
    ("广告业是现代服务业的重要组成部分。", False),
    ("图集", True), ("【图集】", True), ("+1", True), ("点击进入专题>>", True), ("点击查看更多精彩内容 >>", True),
    ("图集显示了这座城市的百年变迁。", False), ("点击进入系统后，按提示填写申报信息。", False),
])
def test_junk_line_table(line, junk):
    from aggregator.extract.body import is_junk_line

    assert is_junk_line(line) is junk


@pytest.mark.parametrize("cls, junk", [
    ("field-label-hidden", False), ("pagination-first", False), ("player-2020-580", False), ("a-list-item", False),
    ("share-box", True), ("bdsharebuttonbox", True), ("comment-list-wrap", True), ("article-share", True),
    ("pre-next", True), ("jp-relatedposts", True), ("sharedaddy", True), ("entry-footer", True), ("comments", True),
])
def test_junk_by_whole_class_tokens(cls, junk):
    from aggregator.extract.body import token_kind

    assert (token_kind(cls) is not None) is junk


def test_content_in_qualified_class_names_is_kept():
    paras = "".join(f"<p>{p}</p>" for p in ARTICLE)
    for cls in ("field-label-hidden", "pagination-first", "player-2020-580", "a-list-item"):
        html = _page(f"<div class='article'><h1>山西召开全省制造业振兴升级推进会</h1><div class='{cls}'>{paras}</div></div>")
        assert extract_article(html, "http://x/").body.split("\n") == ARTICLE, cls


# --- a story split over sibling column divs (issue 13) ---

LEFT = [f"第一栏第{i}段：山西省召开全省制造业振兴升级推进会，部署重点产业链培育工作，共{i}项议程。" for i in range(1, 7)]
RIGHT = [f"第二栏第{i}段：太原、大同、长治等市作了交流发言，介绍了各自产业链培育的经验，第{i}个发言。" for i in range(1, 3)]


def _columns(cls: str, cols) -> str:
    return "".join(f"<div class='{cls}'>" + "".join(f"<p>{p}</p>" for p in col) + "</div>" for col in cols)


@pytest.mark.parametrize("cls", ["column", "col-md-6", "article-col"])
def test_story_in_sibling_columns_is_joined(cls):
    html = _page("<div class='article'><h1>山西召开全省制造业振兴升级推进会</h1>"
                 "<div class='info'>2024-09-28 10:10 来源：新华网</div>"
                 f"<div class='row'>{_columns(cls, (LEFT, RIGHT))}<!-- 栏间 --></div></div>")
    assert extract_article(html, "http://x/").body.split("\n") == LEFT + RIGHT


def test_sibling_teasers_with_their_own_headlines_are_not_joined():
    teasers = "".join(f"<div class='column'><h3><a href='/{i}'>另一篇文章的标题{i}</a></h3><p>另一篇文章的摘要，"
                      f"讲述了另一件事情的经过和结果，第{i}篇。</p></div>" for i in range(3))
    html = _page("<div class='article'><h1>山西召开全省制造业振兴升级推进会</h1>"
                 f"<div class='row'>{_columns('column', (LEFT,))}{teasers}</div></div>")
    assert extract_article(html, "http://x/").body.split("\n") == LEFT


def test_widget_lines_leave_the_body():
    paras = "".join(f"<p>{p}</p>" for p in ARTICLE[:3])
    html = _page("<div class='article'><h1>山西召开全省制造业振兴升级推进会</h1>"
                 f"<div class='content'><p>【图集】</p>{paras}<p>+1</p><p>点击进入专题>></p>"
                 f"<p>【纠错】</p></div></div>")
    assert extract_article(html, "http://x/").body.split("\n") == ARTICLE[:3]
