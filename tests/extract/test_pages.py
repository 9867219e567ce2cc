"""Multi-page articles: article_page_links and join_pages (issue 13)."""

from __future__ import annotations

from aggregator.extract.pages import MAX_PAGES, article_page_links, join_pages


def _page(pager: str, extra: str = "") -> str:
    return (f"<html><head><title>标题</title></head><body><div class='list'>{extra}</div>"
            "<div class='content'><p>这是正文的第一段，内容足够长，含有标点符号。</p>"
            f"<div class='pager'>{pager}</div></div></body></html>")


URL = "http://culture.people.com.cn/n1/2019/0615/c1013-31153719.html"


def test_bracketed_numbers_in_order():
    pager = "".join(f"<a href='/n1/2019/0615/c1013-31153719{'' if n == 1 else f'-{n}'}.html'>【{n}】</a>" for n in (1, 2, 3, 4))
    assert article_page_links(_page(pager), URL) == [
        f"http://culture.people.com.cn/n1/2019/0615/c1013-31153719-{n}.html" for n in (2, 3, 4)]


def test_next_link_and_page_count_fill_the_gaps():
    pager = "<span>第1页/共3页</span> <a href='Content-1220000_2.html'>下一页</a>"
    got = article_page_links(_page(pager), "https://wap.example.com/news/Content-1220000.html")
    assert got == ["https://wap.example.com/news/Content-1220000_2.html",
                   "https://wap.example.com/news/Content-1220000_3.html"]


def test_query_and_path_shapes():
    pager = "<a href='?page=2'>2</a><a href='?page=3'>3</a>"
    assert article_page_links(_page(pager), "https://m.example.com/a/c.html") == [
        "https://m.example.com/a/c.html?page=2", "https://m.example.com/a/c.html?page=3"]
    pager = "<a class='post-page-numbers' href='https://mag.example.com/articles/373020/2'>2</a>"
    assert article_page_links(_page(pager), "https://mag.example.com/articles/373020/") == [
        "https://mag.example.com/articles/373020/2"]


def test_site_pagination_and_other_stories_are_not_pages():
    extra = ("<a href='/news/list_2.html'>2</a><a href='/news/list_3.html'>下一页</a>"
             "<a href='/n1/2019/0615/c1013-31153718.html'>另一篇文章</a>"
             "<a href='http://other.example.com/n1/2019/0615/c1013-31153720-2.html'>2</a>")
    assert article_page_links(_page("", extra), URL) == []
    # a mobile pager whose URL carries the article's id is its pager; list pagination is not
    mobile = "<a href='https://wap.example.com/news/Content-1220000_2.html'>下一页</a>"
    assert article_page_links(_page(mobile), "https://www.example.com/news/201909/1220000.shtml") == [
        "https://wap.example.com/news/Content-1220000_2.html"]
    assert article_page_links(_page(mobile), "https://www.example.com/news/201909/1220001.shtml") == []
    assert article_page_links(b"", URL) == [] and article_page_links("<html></html>", URL) == []


def test_without_the_page_url_the_pager_labels_decide():
    pager = "<a href='/WangWen/2019_09_07_516891_2.shtml'>2</a> <a class='next' href='/x/other_5.shtml'>下一页</a>"
    assert article_page_links(_page(pager), "") == ["/WangWen/2019_09_07_516891_2.shtml"]


def test_at_most_max_pages():
    pager = "<span>共50页</span><a href='a_2.html'>2</a>"
    got = article_page_links(_page(pager), "http://x.example.com/a.html")
    assert len(got) == MAX_PAGES - 1 and got[-1] == f"http://x.example.com/a_{MAX_PAGES}.html"


def test_join_pages():
    assert join_pages(["第一段。\n第二段。", "", "第二段。\n第三段。"]) == "第一段。\n第二段。\n第三段。"
    assert join_pages([]) == ""
