"""Bad input contract and decoding."""

from __future__ import annotations

import pytest

from aggregator.extract import (
    MAX_INPUT_BYTES, DocumentTooLargeError, EmptyDocumentError, ExtractionError, NotHTMLError, extract_article,
)

from ._data import FIXTURES, PAGES_SET, need


@pytest.mark.parametrize("data, exc", [
    (b"", EmptyDocumentError),
    (b"   \n\t ", EmptyDocumentError),
    ("", EmptyDocumentError),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", NotHTMLError),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", NotHTMLError),
    (b"\x00\x01\x02" * 100, NotHTMLError),
])
def test_bad_input_raises_named_errors(data, exc):
    with pytest.raises(exc) as info:
        extract_article(data, "http://x/")
    assert isinstance(info.value, ExtractionError)
    assert info.value.reason in {"empty", "not_html", "too_large"}


def test_huge_input():
    with pytest.raises(DocumentTooLargeError):
        extract_article(b"<p>x</p>" * (MAX_INPUT_BYTES // 8 + 1), "http://x/")


def test_markup_without_text_gives_empty_result():
    ex = extract_article("<html><body><div></div></body></html>", "http://x/")
    assert ex.body == "" and ex.title == ""


def test_plain_text_is_taken_as_body():
    ex = extract_article("这不是网页，只是一段文字。", "http://x/")
    assert ex.body == "这不是网页，只是一段文字。"


def _gbk_fixture() -> bytes:
    return (FIXTURES / "gov-portal-gbk.html").read_bytes()


def test_gbk_fixture_declared():
    ex = extract_article(_gbk_fixture(), "http://gxt.shanxi.gov.cn/a.shtml")
    assert ex.encoding == "gb18030"
    assert ex.title == "山西省工业和信息化厅召开全省工业经济运行调度会"
    assert ex.body.startswith("9月27日，省工业和信息化厅召开")
    assert "打印本页" not in ex.body and "您的位置" not in ex.body
    assert ex.origin == "运行监测协调局" and ex.author == "王晓明"


@pytest.mark.parametrize("mangle", [
    lambda b: b.replace(b"charset=gb2312", b"charset=utf-8"),   # mislabelled
    lambda b: b.replace(b"charset=gb2312", b""),                 # undeclared
    lambda b: b.replace(b"charset=gb2312", b"charset=iso-8859-1"),
])
def test_gbk_fixture_mislabelled_or_undeclared(mangle):
    ex = extract_article(mangle(_gbk_fixture()), "http://x/")
    assert ex.encoding == "gb18030"
    assert ex.title == "山西省工业和信息化厅召开全省工业经济运行调度会"


def test_encoding_hint_is_used():
    data = _gbk_fixture().replace(b"charset=gb2312", b"")
    ex = extract_article(data, "http://x/", encoding="gbk")
    assert ex.encoding == "gb18030" and "工业经济" in ex.body


def test_utf8_page_with_stale_gb_label():
    html = '<html><head><meta charset="gb2312"><title>标题</title></head><body><p>正文内容，测试编码。</p></body></html>'
    ex = extract_article(html.encode("utf-8"), "http://x/")
    assert ex.encoding == "utf-8" and ex.body == "正文内容，测试编码。"


def test_shared_gb_labelled_pages_decode():
    base = need(PAGES_SET)
    files = [base / "people" / "1.html", base / "hexun" / "1.html", base / "qq" / "2.html", base / "163" / "9.html"]
    for f in files:
        if not f.exists():
            continue
        ex = extract_article(f.read_bytes(), "http://x/")
        assert "\ufffd" not in ex.body, f
        cjk = sum("\u4e00" <= c <= "\u9fff" for c in ex.body)
        assert cjk > 0.5 * len(ex.body.replace("\n", "")), f
        assert any("\u4e00" <= c <= "\u9fff" for c in ex.title), f


def test_all_shared_pages_extract():
    base = need(PAGES_SET)
    files = sorted(base.glob("*/*.html"))
    assert files
    empty = []
    for f in files:
        ex = extract_article(f.read_bytes(), "http://x/")
        if not ex.body.strip():
            empty.append(f.name)
    assert empty == []


def test_wrong_encoding_hint_is_overridden():
    ex = extract_article(_gbk_fixture(), "http://x/", encoding="utf-8")
    assert ex.encoding == "gb18030" and ex.title == "山西省工业和信息化厅召开全省工业经济运行调度会"


def test_gb18030_only_characters():
    html = "<html><head><meta charset='gb18030'><title>标题</title></head><body><p>生僻字𠀀䶮，测试编码正确。</p></body></html>"
    ex = extract_article(html.encode("gb18030"), "http://x/")
    assert ex.body == "生僻字𠀀䶮，测试编码正确。"


def test_deeply_nested_paragraph_survives():
    html = "<div>" * 400 + "<p>深层嵌套的正文内容，测试。</p>" + "</div>" * 400
    assert extract_article(html, "http://x/").body == "深层嵌套的正文内容，测试。"


def test_big_page_is_linear_enough():
    import time

    html = "<html><body>" + "".join(f"<p>第{i}段正文内容，足够长的文字用于测试性能。</p>" for i in range(5000)) + "</body></html>"
    t0 = time.perf_counter()
    ex = extract_article(html, "http://x/")
    assert ex.body.count("\n") == 4999
    assert time.perf_counter() - t0 < 10  # ~0.5 s unloaded; generous for busy CI machines


def test_str_input_reports_no_encoding():
    assert extract_article("<p>正文内容，测试。</p>", "http://x/", encoding="gbk").encoding is None
