from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.clean import learn_source_boilerplate, normalize_text, strip_boilerplate

# text with the characters the rules care about, so generated lines hit them often
FOOTERISH = st.lists(st.sampled_from([
    "版权所有", "未经授权不得转载", "免责声明", "微信", "手机:13391219793", "400 0123 021", "晋ICP备1号",
    "纠错", "新闻热线", "联系人", "正文内容，", "。", "\n", " ", "\u3000", "\u200b", "ＡＢ１", "(周渊)",
]), max_size=30).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=300), FOOTERISH)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_normalize_never_raises_and_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\n\n" not in once


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_strip_never_raises_and_is_idempotent(text):
    first = strip_boilerplate(text)
    second = strip_boilerplate(first.body)
    assert second.body == first.body
    assert second.removed == []


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_strip_loses_nothing(text):
    res = strip_boilerplate(text)
    kept = res.body.split("\n")
    assert sorted(x for x in kept + res.removed if x) == sorted(x for x in text.split("\n") if x)
    assert sum(res.hits.values()) == len(res.removed)


@settings(max_examples=100, deadline=None)
@given(st.lists(ANY_TEXT, max_size=12))
def test_learn_is_pure_and_safe(bodies):
    a = learn_source_boilerplate(bodies, min_pages=2, min_share=0.3)
    b = learn_source_boilerplate(list(bodies), min_pages=2, min_share=0.3)
    assert a == b
    assert all(len(x) <= 120 for x in a)
