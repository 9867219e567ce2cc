import pytest

from aggregator.dedup.urls import InvalidURL, canonical_url, is_tracking_param, site_of

CASES = [
    # (url, expected)
    ("https://news.example.com/a/b", "https://news.example.com/a/b"),
    ("http://news.example.com/a/b", "https://news.example.com/a/b"),  # http == https
    ("HTTPS://News.Example.COM/a/B", "https://news.example.com/a/B"),  # host lowercased, path kept
    ("https://example.com:443/x", "https://example.com/x"),  # default ports dropped
    ("http://example.com:80/x", "https://example.com/x"),
    ("http://example.com:8080/x", "https://example.com:8080/x"),  # other ports kept
    ("https://example.com/x#comments", "https://example.com/x"),  # fragment dropped
    ("https://example.com/x#!/story/1", "https://example.com/x#!/story/1"),  # hashbang kept
    ("https://example.com/news/", "https://example.com/news"),  # trailing slash
    ("https://example.com/news/index.html", "https://example.com/news"),
    ("https://example.com/news/index.htm", "https://example.com/news"),
    ("https://example.com/news/default.htm", "https://example.com/news"),
    ("https://example.com/news/INDEX.HTML", "https://example.com/news"),
    ("https://example.com/index.html", "https://example.com/"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com/", "https://example.com/"),
    ("https://example.com/a//b/./c/../d", "https://example.com/a/b/d"),
    ("https://example.com/a?utm_source=wx&utm_medium=x&id=5", "https://example.com/a?id=5"),
    ("https://example.com/a?spm=a2c4g.11186623&id=5", "https://example.com/a?id=5"),
    ("https://example.com/a?id=5&from=singlemessage&isappinstalled=0", "https://example.com/a?id=5"),
    ("https://example.com/a?share_token=abc&shareId=9&fbclid=x&gclid=y&id=5", "https://example.com/a?id=5"),
    ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),  # sorted
    ("https://example.com/a?page=2&id=5&utm_campaign=z", "https://example.com/a?id=5&page=2"),
    ("https://example.com/a?", "https://example.com/a"),
    ("https://example.com/a?flag", "https://example.com/a?flag"),
    ("https://mp.weixin.qq.com/s?__biz=MzA&mid=1&idx=1&sn=ab&scene=21", "https://mp.weixin.qq.com/s?__biz=MzA&idx=1&mid=1&sn=ab"),
    ("https://example.com/%e6%96%b0%e9%97%bb", "https://example.com/%E6%96%B0%E9%97%BB"),
    ("https://example.com/新闻", "https://example.com/%E6%96%B0%E9%97%BB"),
    ("https://example.com/a?q=%E4%B8%AD", "https://example.com/a?q=%E4%B8%AD"),
    ("https://example.com/a?q=中", "https://example.com/a?q=%E4%B8%AD"),
    ("https://例子.中国/a", "https://xn--fsqu00a.xn--fiqs8s/a"),
    ("  https://example.com/a  ", "https://example.com/a"),
    ("https://example.com./a", "https://example.com/a"),
]


@pytest.mark.parametrize("url,expected", CASES)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected
    assert canonical_url(expected) == expected  # idempotent


BAD = ["", "   ", "ftp://example.com/x", "mailto:a@b.c", "javascript:void(0)", "http://", "https:///path",
       "http://exa mple.com/", "http://example.com:99999/", "http://example.com:port/", "//example.com/x",
       "example.com/x", "http://a..b/", None]


@pytest.mark.parametrize("url", BAD)
def test_invalid_url(url):
    with pytest.raises(InvalidURL):
        canonical_url(url)
    assert issubclass(InvalidURL, ValueError)


CANONICAL_LINK = [
    # (url, rel=canonical, expected)
    ("http://m.sina.com.cn/a.html?from=wap", "https://news.sina.com.cn/a.shtml", "https://news.sina.com.cn/a.shtml"),
    ("https://www.example.com/a?id=1&utm_source=x", "/article/1", "https://www.example.com/article/1"),  # relative
    ("https://www.example.com/a?id=1", "https://example.com/article/1/", "https://example.com/article/1"),
    ("https://www.example.com/a?id=1", "https://other.com/article/1", "https://www.example.com/a?id=1"),  # other site
    ("https://www.example.com/a?id=1", "https://www.example.com/", "https://www.example.com/a?id=1"),  # home page: CMS bug
    ("https://www.example.com/a?id=1", "ftp://www.example.com/a", "https://www.example.com/a?id=1"),  # malformed: ignored
    ("https://www.example.com/a?id=1", "", "https://www.example.com/a?id=1"),
    ("https://www.example.com/a?id=1", None, "https://www.example.com/a?id=1"),
    ("https://a.gov.cn/x", "https://b.gov.cn/x", "https://a.gov.cn/x"),  # gov.cn is a suffix, not a site
]


@pytest.mark.parametrize("url,link,expected", CANONICAL_LINK)
def test_canonical_link(url, link, expected):
    assert canonical_url(url, link) == expected


def test_helpers():
    assert site_of("news.sina.com.cn") == "sina.com.cn"
    assert site_of("www.example.com") == "example.com"
    assert site_of("127.0.0.1") == "127.0.0.1"
    assert is_tracking_param("UTM_Source") and is_tracking_param("spm") and not is_tracking_param("id")


from hypothesis import given, settings, strategies as st  # noqa: E402

_seg = st.text(alphabet=st.sampled_from("abcXYZ019-_.~%新闻 "), min_size=0, max_size=8)
_key = st.sampled_from(["id", "page", "utm_source", "spm", "from", "q", "a", "Share_x", "__biz"])


@settings(max_examples=300, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTP"]),
    host=st.sampled_from(["example.com", "News.Example.COM", "a.b.gov.cn", "127.0.0.1", "例子.中国"]),
    port=st.sampled_from(["", ":80", ":443", ":8080"]),
    path=st.lists(_seg, max_size=4),
    query=st.lists(st.tuples(_key, _seg), max_size=4),
    frag=st.sampled_from(["", "#top", "#!/x"]),
)
def test_canonical_url_is_idempotent(scheme, host, port, path, query, frag):
    from urllib.parse import quote

    url = f"{scheme}://{host}{port}/" + "/".join(quote(p, safe="%") for p in path)
    if query:
        url += "?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in query)
    url += frag
    c = canonical_url(url)
    assert canonical_url(c) == c
    assert c.startswith("https://")
    assert "utm_source" not in c and "spm=" not in c
