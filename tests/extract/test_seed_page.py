"""The seed page (Z-Blog style, rebuilt by hand from the sample text) through the chain."""

from __future__ import annotations

from datetime import date

from aggregator.clean import normalize_text, strip_boilerplate
from aggregator.extract import extract_article

from ._data import FIXTURES, SEED_SAMPLE

FOOTER = [
    "本站所刊登的新华社及新华网各种新闻﹑信息和各种专题专栏资料,均为新华网版权所有,未经协议授权禁止下载使用。",
    "新华社上海分社职业道德监督电话 新闻热线",
    "葛毅明微信号",
    "产业招商/厂房土地租售:400 0123 021",
    "或微信/手机:13391219793",
    "请说明您的需求、用途、税收、公司、联系人、手机号,以便快速帮您对接资源。",
    "长按/扫一扫加葛毅明的微信号",
    "版权声明:本文由网络蜘蛛自动收集于网络,如需转载请查明并注明出处,如有不妥之处请联系我们删除 400-0123-021 或 13391219793",
]


def _run():
    html = (FIXTURES / "taiyuan-industry-article.html").read_bytes()
    ex = extract_article(html, "http://www.example-ty.cn/?id=1188")
    return ex, strip_boilerplate(normalize_text(ex.body))


def test_seed_body_is_the_eleven_paragraphs():
    ex, st = _run()
    paras = st.body.split("\n")
    assert len(paras) == 11
    assert paras[0].startswith("10月24日,以“从临港到未来”为主题")
    assert paras[-1].endswith("(周渊)")
    for line in FOOTER:
        assert line not in st.body
    for junk in ("当前位置", "分享给朋友", "相关文章", "三亚:奋力打造", "上一篇", "admin", "太原产业信息67"):
        assert junk not in st.body


def test_seed_footer_lines_all_removed_and_counted():
    _ex, st = _run()
    assert st.removed == FOOTER
    assert sum(st.hits.values()) == len(FOOTER)
    assert {"copyright", "wechat_contact", "contact_number"} <= set(st.hits)


def test_seed_metadata():
    ex, _st = _run()
    assert ex.title == "2023临港集团创新发展大会举办"
    assert ex.published_at is not None and ex.published_at.date() == date(2024, 9, 28)
    assert ex.date_source == "text"
    assert ex.encoding == "utf-8"


def test_seed_matches_sample_text_exactly():
    """When the shared sample is present, the paragraphs equal the sample's 11 paragraphs."""
    import pytest

    if not SEED_SAMPLE.exists():
        pytest.skip(f"shared sample not available: {SEED_SAMPLE}")
    lines = [normalize_text(x) for x in SEED_SAMPLE.read_text(encoding="utf-8").split("\n")]
    start = next(i for i, x in enumerate(lines) if x.startswith("10月24日"))
    end = next(i for i, x in enumerate(lines) if x.endswith("(周渊)"))
    expected = [x for x in lines[start:end + 1] if x]
    _ex, st = _run()
    assert st.body.split("\n") == expected
