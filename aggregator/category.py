"""The channel (category) an article page belongs to, when the spider was not told.

Read from ``article:section``-style meta tags, else from the breadcrumb
(当前位置：首页 > 太原产业信息 > 正文): its last link that is not the home page.
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
