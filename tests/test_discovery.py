import re

from aggregator.discovery import Link, article_links, list_links, looks_like_article, next_page_link, same_site

PAGE = "https://www.example.gov.cn/zwgk/list.html"


def test_article_urls_by_shape_and_by_headline():
    assert looks_like_article(Link("https://www.example.gov.cn/zwgk/202310/t20231031_123.html", "通知"))
    assert looks_like_article(Link("https://x.cn/2023-10/31/c_1129.htm", ""))
    assert looks_like_article(Link("https://x.cn/post/123.html", "临港集团创新发展大会举办"))
    assert looks_like_article(Link("https://x.cn/?id=77", "一则新闻"))
    assert looks_like_article(Link("https://x.cn/zxdt/story.html", "太原市出台支持科创园区发展措施"))
    assert not looks_like_article(Link("https://x.cn/list_2.html", "2"))
    assert not looks_like_article(Link("https://x.cn/about.html", "关于我们"))


def test_article_links_keep_same_site_page_urls_in_order():
    links = [
        Link("https://www.example.gov.cn/zwgk/202310/t20231031_1.html", "第一篇新闻标题在这里"),
        Link("https://other.cn/2023/10/31/x.html", "外站的一篇新闻标题"),
        Link("https://www.example.gov.cn/files/report.pdf", "一份很长的报告文件下载"),
        Link("https://www.example.gov.cn/zwgk/202310/t20231031_1.html", "重复链接重复链接"),
        Link("https://example.gov.cn/zwgk/202310/t20231030_2.html", "第二篇新闻标题在这里"),
    ]
    assert article_links(PAGE, links) == [
        "https://www.example.gov.cn/zwgk/202310/t20231031_1.html",
        "https://example.gov.cn/zwgk/202310/t20231030_2.html",
    ]
    assert article_links(PAGE, links, re.compile(r"t20231030")) == ["https://example.gov.cn/zwgk/202310/t20231030_2.html"]


def test_next_page_by_text_or_rel():
    links = [Link("https://www.example.gov.cn/zwgk/list_1.html", "1"), Link("https://www.example.gov.cn/zwgk/list_2.html", "下一页")]
    assert next_page_link(PAGE, links) == "https://www.example.gov.cn/zwgk/list_2.html"
    assert next_page_link(PAGE, [Link("https://www.example.gov.cn/p/2", "2", rel="next")]) == "https://www.example.gov.cn/p/2"
    assert next_page_link(PAGE, [Link("https://elsewhere.cn/list_2.html", "下一页")]) is None


def test_list_links_are_channels_not_articles():
    links = [
        Link("https://www.example.gov.cn/category-2.html", "园区"),
        Link("https://www.example.gov.cn/post/9.html", "一篇很长的新闻标题"),
        Link("https://www.example.gov.cn/about.html", "关于"),
        Link("https://www.example.gov.cn/news/index.html", "新闻"),
    ]
    assert list_links(PAGE, links) == ["https://www.example.gov.cn/category-2.html", "https://www.example.gov.cn/news/index.html"]


def test_same_site_ignores_www():
    assert same_site("https://www.a.cn/x", "http://a.cn/y")
    assert same_site("https://news.a.cn/x", "https://a.cn/y")
    assert not same_site("https://a.cn/x", "https://b.cn/y")
