"""A page declared UTF-8 that holds a few invalid (GBK) bytes is read as UTF-8 with
replacement characters, not as GB18030 mojibake; real GBK pages stay GB18030."""

from __future__ import annotations

from aggregator.extract.encoding import UTF8_CLEAN_SHARE, decode_html, utf8_clean_share
from tests.conftest import FIXTURES
from tests.mockserver import STRAY_PARAGRAPH, STRAY_TITLE, stray_gbk_page

GBK_PAGE = FIXTURES / "site" / "news" / "2024-05" / "13" / "content_117184963.html"


def test_few_stray_gbk_bytes_stay_utf8():
    for strays in range(0, 7):
        page = stray_gbk_page(strays)
        assert utf8_clean_share(page) >= 0.94
        for hint in ("utf-8", None):  # the header's charset, or only the meta's
            text, encoding = decode_html(page, hint)
            assert encoding == "utf-8", (strays, hint)
            assert STRAY_TITLE[2:] in text and STRAY_PARAGRAPH[10:] in text
            assert text.count("\ufffd") == 8 * (strays + 1)  # one per stray byte, nothing else lost


def test_gbk_pages_are_not_taken_for_utf8():
    data = GBK_PAGE.read_bytes()
    assert utf8_clean_share(data) < 0.5 < UTF8_CLEAN_SHARE
    text, encoding = decode_html(data, "utf-8")  # even under a wrong UTF-8 label
    assert encoding == "gb18030"
    assert "\ufffd" not in text[:5000]
    assert utf8_clean_share("Grüße aus München".encode("cp1252")) == 0.0
    assert utf8_clean_share(b"plain ascii") == 1.0
