"""The channel (category) an article page belongs to, when the spider was not told.

Read from ``article:section``-style meta tags, else from the breadcrumb
(当前位置：首页 > 太原产业信息 > 正文): its last link that is not the home page.
"""

from __future__ import annotations

import re

from parsel import Selector

SECTION_META = ("article:section", "og:section", "category", "section", "columnname", "ColumnName", "lanmu")
BREADCRUMB_HINT = re.compile(r"(breadcrumb|crumb|position|location|place|where|dqwz|curpos|nav-path|path)", re.I)
BREADCRUMB_LABEL = re.compile(r"^\s*(当前位置|您的位置|你的位置|您现在的位置|所在位置|位置)\s*[:：]?")
NOT_A_CATEGORY = {"首页", "主页", "网站首页", "正文", "正文内容", "详情", "内容", "文章", "home", "Home"}
MAX_CATEGORY_CHARS = 20


def category_from_page(sel: Selector) -> str | None:
    for name in SECTION_META:
        value = sel.xpath(f'//meta[@name="{name}" or @property="{name}"]/@content').get()
        if value and 0 < len(value.strip()) <= MAX_CATEGORY_CHARS:
            return value.strip()
    for node in sel.xpath("//*[@class or @id]"):
        hint = (node.attrib.get("class", "") + " " + node.attrib.get("id", ""))
        text = " ".join(node.xpath(".//text()").getall())
        if len(text) > 200:
            continue
        if BREADCRUMB_HINT.search(hint) or BREADCRUMB_LABEL.match(text):
            names = [" ".join(a.xpath(".//text()").getall()).strip() for a in node.xpath(".//a")]
            names = [n for n in names if n and n not in NOT_A_CATEGORY and len(n) <= MAX_CATEGORY_CHARS]
            if names:
                return names[-1]
    return None
