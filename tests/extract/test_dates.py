from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from aggregator.extract import extract_article
from aggregator.extract.dates import SHANGHAI, date_from_url, parse_date, parse_iso_or_fuzzy

NOW = datetime(2024, 10, 1, 12, 0, tzinfo=SHANGHAI)


def sh(*a):
    return datetime(*a, tzinfo=SHANGHAI)


@pytest.mark.parametrize("text, expected", [
    ("2024年9月28日 10:10", sh(2024, 9, 28, 10, 10)),
    ("2024年09月28日10:10:30", sh(2024, 9, 28, 10, 10, 30)),
    ("2024年9月28日", sh(2024, 9, 28)),
    ("2024-09-28", sh(2024, 9, 28)),
    ("2024/9/28", sh(2024, 9, 28)),
    ("2024.09.28 08:05", sh(2024, 9, 28, 8, 5)),
    ("发布时间：2024-09-28 10:10", sh(2024, 9, 28, 10, 10)),
    ("时间：2024-09-28", sh(2024, 9, 28)),
    ("日期：2024年9月28日", sh(2024, 9, 28)),
    ("2024年9月28日 下午3:30", sh(2024, 9, 28, 15, 30)),
    ("09-28", sh(2024, 9, 28)),
    ("09-28 14:00", sh(2024, 9, 28, 14, 0)),
    ("9月28日 14:00", sh(2024, 9, 28, 14, 0)),
    ("12-30", sh(2023, 12, 30)),            # yearless in the future -> last year
    ("昨天 14:00", sh(2024, 9, 30, 14, 0)),
    ("前天", sh(2024, 9, 29)),
    ("今天 08:15", sh(2024, 10, 1, 8, 15)),
    ("3天前", NOW - timedelta(days=3)),
    ("5分钟前", NOW - timedelta(minutes=5)),
    ("2小时前", NOW - timedelta(hours=2)),
    ("admin1年前 (2024-09-28)太原产业信息67", sh(2024, 9, 28)),   # absolute beats relative
    ("3天前 2024-09-20", sh(2024, 9, 20)),
    ("2024年10月2日 08:00", sh(2024, 10, 2, 8, 0)),  # within the one-day tolerance
])
def test_parse_date_table(text, expected):
    assert parse_date(text, NOW) == expected


@pytest.mark.parametrize("text", [
    "2024年10月5日",        # more than a day after now
    "2025-01-01",
    "浏览次数：67",
    "",
    "第3版",
    "今日中国",            # a column name, not a relative date
    "昨日重现栏目",
])
def test_parse_date_rejects(text):
    assert parse_date(text, NOW) is None


def test_results_are_timezone_aware_and_naive_now_is_shanghai():
    got = parse_date("2024-09-28 10:10", datetime(2024, 10, 1, 12, 0))
    assert got.tzinfo is not None and got.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize("value, expected", [
    ("2024-05-20T06:48:00+08:00", sh(2024, 5, 20, 6, 48)),
    ("2024-05-20T06:05:02Z", datetime(2024, 5, 20, 6, 5, 2, tzinfo=timezone.utc)),
    ("2024-05-20 06:48:00", sh(2024, 5, 20, 6, 48)),
    ("1716187680", datetime.fromtimestamp(1716187680, tz=SHANGHAI)),
])
def test_iso_values(value, expected):
    assert parse_iso_or_fuzzy(value, NOW) == expected


@pytest.mark.parametrize("url, expected", [
    ("http://www.news.cn/politics/2023-10/31/c_1129950000.htm", sh(2023, 10, 31)),
    ("http://www.shanxi.gov.cn/ywdt/sxyw/202310/t20231031_9396000.shtml", sh(2023, 10, 31)),
    ("http://www.he.news.cn/20231031/d59c39d4160a4fe4b3084c3e4abfb450/c.html", sh(2023, 10, 31)),
    ("http://finance.people.com.cn/n1/2024/0510/c1004-40232587.html", sh(2024, 5, 10)),
    ("https://news.sina.com.cn/c/2024-05-10/doc-inausehc2630922.shtml", sh(2024, 5, 10)),
    ("http://example.com/article/12345.html", None),
    ("http://example.com/2099/01/01/x.html", None),   # future
])
def test_url_dates(url, expected):
    assert date_from_url(url, NOW) == expected


def _page(head="", meta_line="", url_body=""):
    return (f"<html><head><title>标题文字</title>{head}</head><body><h1>标题文字</h1>"
            f"<div class='info'>{meta_line}</div><div class='content'>"
            "<p>这是正文的第一段，内容足够长，含有标点符号，用于测试。</p>"
            "<p>这是正文的第二段，内容也足够长，同样含有标点符号。</p></div></body></html>")


def test_meta_tag_beats_text():
    ex = extract_article(_page('<meta property="article:published_time" content="2024-09-27T08:00:00+08:00">',
                               "发布时间：2024-09-28 10:10"), "http://x/", now=NOW)
    assert ex.published_at == sh(2024, 9, 27, 8, 0) and ex.date_source == "meta"


def test_json_ld_date():
    ld = '<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2024-09-26T09:00:00+08:00"}</script>'
    ex = extract_article(_page(ld), "http://x/", now=NOW)
    assert ex.published_at == sh(2024, 9, 26, 9, 0) and ex.date_source == "json-ld"


def test_text_near_title_with_label():
    ex = extract_article(_page(meta_line="来源：新华社　发布时间：2024年9月28日 10:10　浏览：67"), "http://x/", now=NOW)
    assert ex.published_at == sh(2024, 9, 28, 10, 10) and ex.date_source == "text"


def test_future_meta_rejected_falls_back_to_text():
    ex = extract_article(_page('<meta name="pubdate" content="2030-01-01">', "2024-09-28"), "http://x/", now=NOW)
    assert ex.published_at == sh(2024, 9, 28) and ex.date_source == "text"


def test_relative_text_date_uses_now():
    ex = extract_article(_page(meta_line="昨天 14:00"), "http://x/", now=NOW)
    assert ex.published_at == sh(2024, 9, 30, 14, 0)


def test_url_fallback():
    ex = extract_article(_page(), "http://www.shanxi.gov.cn/a/202309/t20230915_1.shtml", now=NOW)
    assert ex.published_at == sh(2023, 9, 15) and ex.date_source == "url"


def test_no_date_at_all():
    ex = extract_article(_page(), "http://x/a.html", now=NOW)
    assert ex.published_at is None and ex.date_source is None


def test_date_selector_override():
    html = _page(meta_line="<span class='t'>2024-09-20</span> 2024-09-28")
    ex = extract_article(html, "http://x/", now=NOW, selectors={"date": "span.t"})
    assert ex.published_at == sh(2024, 9, 20) and ex.date_source == "selector"


def test_dated_url_beats_yearless_text_of_another_day():
    ex = extract_article(_page(meta_line="09-07 10:00"), "http://news.example.com/a/20190907/1.html", now=NOW)
    assert ex.published_at == sh(2019, 9, 7) and ex.date_source == "url"


def test_yearless_text_adds_time_when_url_agrees():
    ex = extract_article(_page(meta_line="09-28 10:00"), "http://news.example.com/a/20240928/1.html", now=NOW)
    assert ex.published_at == sh(2024, 9, 28, 10, 0) and ex.date_source == "text"


def test_tz_offsets_out_of_range_are_not_offsets():
    assert parse_iso_or_fuzzy("2007-08-20 00:00:00-23:59", NOW) == sh(2007, 8, 20)


def test_script_timestamp_beats_relative_text():
    head = '<script>var ct = "1727490600"; var other = 1;</script>'
    ex = extract_article(_page(head, "昨天"), "http://mp.weixin.qq.com/s?x", now=NOW)
    assert ex.published_at == datetime.fromtimestamp(1727490600, tz=SHANGHAI) and ex.date_source == "script"


# --- structured signals, European formats, ranking (issue 13) ---

def _en_page(head="", before="", url_link=""):
    title = f"<a href='{url_link}'>A headline of the story</a>" if url_link else "A headline of the story"
    return (f"<html><head><title>A headline of the story - Example</title>{head}</head><body>"
            f"<h1>{title}</h1><div class='byline'>{before}</div><div class='content'>"
            "<p>The first paragraph of the story is long enough, with commas, and a full stop.</p>"
            "<p>The second paragraph is long enough as well, with commas, and a full stop too.</p>"
            "</div></body></html>")


@pytest.mark.parametrize("text, expected", [
    ("21.01.2022", sh(2022, 1, 21)),
    ("3.2.2019 14:05", sh(2019, 2, 3, 14, 5)),
    ("06-08-2009", sh(2009, 8, 6)),
    ("03/21/2019", sh(2019, 3, 21)),          # month-first when the day cannot be a month
    ("12. März 2019", sh(2019, 3, 12)),
    ("1er janvier 2019", sh(2019, 1, 1)),
    ("March 12, 2019", sh(2019, 3, 12)),
    ("Posted on Sept. 3rd 2019", sh(2019, 9, 3)),
    ("12 de marzo de 2019", sh(2019, 3, 12)),
])
def test_european_formats(text, expected):
    assert parse_date(text, NOW) == expected


@pytest.mark.parametrize("text", ["[1-2]", "siehe [3-4] und", "Lieferzeit 1-3 Tage", "1-3天", "(5-6)", "Hello 12 Monkeys 2019"])
def test_citation_markers_and_ranges_are_not_dates(text):
    assert parse_date(text, NOW) is None


def test_time_datetime_is_read():
    ex = extract_article(_en_page(before='<time class="entry-date published" datetime="2021-11-19T10:13:50+01:00">19.11.</time>'),
                         "http://x/", now=NOW)
    assert ex.published_at.date().isoformat() == "2021-11-19" and ex.date_source == "time"


def test_itemprop_with_content_and_abbr_title():
    ex = extract_article(_en_page(before='<span itemprop="datePublished" content="2019-05-06">May</span>'), "http://x/", now=NOW)
    assert ex.published_at == sh(2019, 5, 6) and ex.date_source == "microdata"
    ex = extract_article(_en_page(before='<abbr class="published" title="2009-08-06T14:12:32+0200">Aug</abbr>'),
                         "http://x/", now=NOW)
    assert ex.published_at.date().isoformat() == "2009-08-06" and ex.date_source == "abbr"


def test_published_beats_modified_and_modified_is_last_resort():
    head = ('<meta property="article:modified_time" content="2020-06-02T11:57:06+02:00">'
            '<meta property="article:published_time" content="2020-03-31T08:00:00+02:00">')
    ex = extract_article(_en_page(head), "http://x/", now=NOW)
    assert ex.published_at.date().isoformat() == "2020-03-31"
    ex = extract_article(_en_page(head.split("<meta property=\"article:published")[0]), "http://x/a", now=NOW)
    assert ex.published_at.date().isoformat() == "2020-06-02"


def test_utc_instant_read_on_the_pages_local_day():
    # 2018-12-31T23:11Z is New Year's day in the URL's (and the page's) zone
    head = '<meta property="article:published_time" content="2018-12-31T23:11:59+00:00">'
    ex = extract_article(_en_page(head), "https://blog.example.com/2019/01/01/ins-neue-jahr/", now=NOW)
    assert ex.published_at.date().isoformat() == "2019-01-01" and ex.date_source == "meta"
    # a naive local stamp of the same instant (same minutes) names the local day
    head = ('<meta property="article:published_time" content="2023-11-09T06:35:29+00:00">'
            '<meta name="sailthru.date" content="2023-11-08 22:35:29">')
    ex = extract_article(_en_page(head), "https://news.example.com/a-story/", now=NOW)
    assert ex.published_at.date().isoformat() == "2023-11-08"


def test_an_explicit_local_offset_is_not_shifted():
    head = '<meta property="article:published_time" content="2024-09-27T08:00:00+08:00">'
    ex = extract_article(_en_page(head), "https://news.example.com/2024/09/28/x/", now=NOW)
    assert ex.published_at == sh(2024, 9, 27, 8, 0)


def test_visible_time_of_day_beats_date_only_meta():
    ex = extract_article(_page('<meta name="publishdate" content="2024-09-28">', "发布时间：2024-09-28 08:18"),
                         "http://x/", now=NOW)
    assert ex.published_at == sh(2024, 9, 28, 8, 18) and ex.date_source == "text"


def test_chinese_cms_meta_names():
    ex = extract_article(_page('<meta name="PubDate" content="2019-09-07 13:43">'), "http://x/", now=NOW)
    assert ex.published_at == sh(2019, 9, 7, 13, 43) and ex.date_source == "meta"


def test_headline_permalink_date():
    ex = extract_article(_en_page(url_link="/archive/2005/07/31/my-post.aspx"), "http://blog.example.com/p?id=3", now=NOW)
    assert ex.published_at == sh(2005, 7, 31) and ex.date_source == "url"


def test_yearless_dates_resolve_against_fetch_time():
    fetched = datetime(2019, 6, 30, 12, 0, tzinfo=SHANGHAI)
    ex = extract_article(_page(meta_line="06-24 10:00"), "http://x/a.html", now=fetched)
    assert ex.published_at == sh(2019, 6, 24, 10, 0)
