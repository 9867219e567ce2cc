import math

from hypothesis import given, settings, strategies as st

from aggregator.relate import text as T


def test_tokenize_drops_numbers_dates_single_chars_and_stopwords():
    toks = T.tokenize("2024年3月15日，记者表示，太原市光伏产业发展迅速，产值增长34.6%，达到120亿元。")
    assert "光伏" in toks
    for bad in ("2024年", "3月", "15日", "记者", "表示", "发展", "34.6%", "，", "。", "120"):
        assert bad not in toks
    assert all(len(t) >= 2 for t in toks)


def test_is_keyword_token():
    assert T.is_keyword_token("光伏")
    assert T.is_keyword_token("5G")
    assert T.is_keyword_token("iPhone")
    for tok in ("的", "2009年", "三年", "第一", "10万元", "6月", "目前", "进一步", "相关", "--", "3.5"):
        assert not T.is_keyword_token(tok), tok


def test_stopwords_cover_industry_filler():
    stop = T.stopwords()
    for w in ("发展", "企业", "工作", "推进", "记者", "表示", "日前", "目前", "进一步", "有关", "相关", "今年", "同时"):
        assert w in stop


def test_latin_words_lower_cased():
    assert T.keyword_tokens(["iPhone", "AI"]) == ["iphone", "ai"]


def test_term_frequencies_title_counts_more():
    tf = T.term_frequencies(["光伏"], ["光伏", "组件", "组件"], title_weight=3.0)
    assert tf == {"光伏": 4.0, "组件": 2.0}


def test_sublinear():
    assert T.sublinear(0) == 0
    assert T.sublinear(1) == 1
    assert T.sublinear(math.e) == 2


def test_blended_idf_is_jieba_idf_without_corpus_and_corpus_idf_with_a_large_one():
    assert math.isclose(T.blended_idf(0, 0, 7.0), 7.0)
    big = T.blended_idf(1000, 1_000_000, 7.0, prior_documents=200)
    assert abs(big - math.log(1000)) < 0.01
    # a word in more documents has a lower idf
    assert T.blended_idf(10, 1000, 7.0) > T.blended_idf(500, 1000, 7.0)


def test_score_keywords_normalised_sorted_top_k():
    tf = {"光伏": 3.0, "组件": 1.0, "硅片": 2.0, "电站": 1.0}
    idf = {"光伏": 5.0, "组件": 4.0, "硅片": 6.0, "电站": 3.0}.get
    kws = T.score_keywords(tf, idf, top_k=3)
    assert [k for k, _ in kws] == ["光伏", "硅片", "组件"]  # (1+ln3)*5 > (1+ln2)*6 > 1*4
    assert math.isclose(sum(w * w for _, w in kws), 1.0)
    assert T.score_keywords({}, idf) == []


def test_cosine_and_shared_keywords():
    a = {"光伏": 0.8, "组件": 0.6}
    b = {"光伏": 0.6, "组件": 0.1, "电站": 0.79}
    assert math.isclose(T.cosine(a, a), 1.0)
    assert T.cosine(a, {"篮球": 1.0}) == 0.0
    assert T.shared_keywords(a, b) == ["光伏", "组件"]


@settings(deadline=None)  # timing depends on the machine's load, not on the code
@given(st.dictionaries(st.sampled_from(list("abcdefghij")), st.floats(0.1, 10), min_size=1),
       st.dictionaries(st.sampled_from(list("abcdefghij")), st.floats(0.1, 10), min_size=1))
def test_cosine_bounds_and_symmetry(a, b):
    c = T.cosine(a, b)
    assert -1e-9 <= c <= 1 + 1e-9
    assert math.isclose(c, T.cosine(b, a))


@settings(deadline=None)
@given(st.text(max_size=200))
def test_tokenize_never_yields_junk(s):
    for tok in T.tokenize(s):
        assert len(tok) >= 2 and tok.strip() == tok
        assert tok.lower() not in T.stopwords()


def test_make_idf_blends_corpus_counts_with_jieba_prior():
    from aggregator.relate.store import make_idf

    jidf, median = T.jieba_idf()
    idf = make_idf({"光伏": 5, "篮球": 900}, 1000, prior_documents=2000)
    assert math.isclose(idf("光伏"), T.blended_idf(5, 1000, jidf["光伏"], prior_documents=2000))
    assert idf("篮球") < idf("光伏")
    assert idf("从未见过的词xyz") == median  # unseen, unknown to jieba: jieba's median
    assert idf("光伏") > 0
