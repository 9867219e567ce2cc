from datetime import datetime

from aggregator.extract import Extracted, extract_article
from aggregator.extract.dates import SHANGHAI

NOW = datetime(2024, 10, 1, 12, 0, tzinfo=SHANGHAI)

PAGE = """<html><head><title>测试标题_某某网</title></head><body>
<div class="nav"><a href="/">首页</a><a href="/a">新闻</a></div>
<div class="main"><h1>测试标题</h1><div class="info">发布时间：2024-09-28 10:10 来源：新华社</div>
<div class="content"><p>第一段，这是一段足够长的正文内容，用来测试正文抽取。</p>
<p>第二段，同样是足够长的正文内容，包含标点符号。</p><p>（周渊）</p></div>
<div class="share">分享到：微信 微博</div></div></body></html>"""


def test_interface_basic():
    ex = extract_article(PAGE, "http://example.com/a.html", now=NOW)
    assert isinstance(ex, Extracted)
    assert ex.title == "测试标题"
    assert ex.body.split("\n") == [
        "第一段，这是一段足够长的正文内容，用来测试正文抽取。",
        "第二段，同样是足够长的正文内容，包含标点符号。",
        "（周渊）",
    ]
    assert ex.published_at == datetime(2024, 9, 28, 10, 10, tzinfo=SHANGHAI)
    assert ex.origin == "新华社"


def test_bytes_gbk():
    ex = extract_article(PAGE.replace("<head>", '<head><meta charset="gbk">').encode("gbk"), "http://x/", now=NOW)
    assert ex.encoding == "gb18030"
    assert "第一段" in ex.body
