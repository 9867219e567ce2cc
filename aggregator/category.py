"""The channel (category) an article page belongs to, when the spider was not told.

Read from ``article:section``-style meta tags, else from the breadcrumb
(当前位置：首页 > 太原产业信息 > 正文): its last link that is not the home page.

A channel link's text names its channel (``产业动态``); a pager's does not (``下一页``,
``尾页``, ``2``, ``>>``, ``更多``): ``channel_name`` tells them apart.
"""

from __future__ import annotations

import re

from parsel import Selector

SECTION_META = ("article:section", "og:section", "category", "section", "columnname", "ColumnName", "lanmu")
BREADCRUMB_HINT = re.compile(r"(breadcrumb|crumb|position|location|place|where|dqwz|curpos|nav-path|path)", re.I)
BREADCRUMB_LABELS = ("当前位置", "您的位置", "你的位置", "您现在的位置", "所在位置")
# the element whose own text starts with one of the labels
LABELLED_XPATH = "//*[text()[" + " or ".join(f"starts-with(normalize-space(), '{label}')" for label in BREADCRUMB_LABELS) + "]]"
NOT_A_CATEGORY = {"首页", "主页", "网站首页", "正文", "正文内容", "详情", "内容", "文章", "home", "Home"}
MAX_CATEGORY_CHARS = 20
#: Link texts of pagers and "more" links: they name no channel.
PAGER_TEXTS = {
    "下一页", "下页", "后页", "后一页", "上一页", "上页", "前页", "前一页", "首页", "尾页", "末页", "最后一页", "第一页",
    "下一頁", "上一頁", "尾頁", "末頁", "更多", "查看更多", "更多>>", "more", "more>>", "next", "prev", "previous",
    "first", "last", "next page", "previous page", "跳转", "go", "返回", "返回列表", "全部",
}
#: Digits, spaces and punctuation only (1 2 3, 12/40): no name of anything.
NO_LETTERS = re.compile(r"[\d\s\W_]+")
#: A pager label with digits or arrows: 2, [3], 第2页, 共5页, >>, «, ..., 下一页>
PAGER_PATTERN = re.compile(r"^[\s\[\]()<>«»‹›…．.·|/\-]*(?:第?\s*\d+\s*页?|共\s*\d+\s*页)?[\s\[\]()<>«»‹›…．.·|/\-]*$")


def channel_name(link_text: str | None) -> str | None:
    """The channel a link's text names, or None for a pager, a "more" link, the home
    page or a text too long to be a channel's name."""
    text = " ".join((link_text or "").split())
    bare = text.strip("<>«»‹›[]()：:|·…. ")
    if not bare or PAGER_PATTERN.match(text) or NO_LETTERS.fullmatch(text) or len(text) > MAX_CATEGORY_CHARS:
        return None
    if text.lower() in PAGER_TEXTS or bare.lower() in PAGER_TEXTS or bare in NOT_A_CATEGORY:
        return None
    return text


def category_from_page(sel: Selector) -> str | None:
    for name in SECTION_META:
        value = sel.xpath(f'//meta[@name="{name}" or @property="{name}"]/@content').get()
        if value and 0 < len(value.strip()) <= MAX_CATEGORY_CHARS:
            return value.strip()
    # Only elements that look like a breadcrumb are read: by a class/id hint, or by a
    # 当前位置-style label in their own text (reading every element's text is quadratic).
    hinted = [n for n in sel.xpath("//*[@class or @id]")
              if BREADCRUMB_HINT.search(n.attrib.get("class", "") + " " + n.attrib.get("id", ""))]
    labelled = sel.xpath(LABELLED_XPATH)
    for node in hinted + labelled:
        if len(" ".join(node.xpath(".//text()").getall())) > 200:
            continue
        names = [" ".join(a.xpath(".//text()").getall()).strip() for a in node.xpath(".//a")]
        names = [n for n in names if n and n not in NOT_A_CATEGORY and len(n) <= MAX_CATEGORY_CHARS]
        if names:
            return names[-1]
    return None
