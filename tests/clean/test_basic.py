from aggregator.clean import learn_source_boilerplate, normalize_text, strip_boilerplate


def test_normalize_basic():
    assert normalize_text("ＡＢＣ１２３\u200b  文本，\u00a0正文\r\n\r\n第二段 ") == "ABC123 文本， 正文\n第二段"


def test_strip_basic():
    s = strip_boilerplate("正文第一段。\n（周渊）\n本文版权所有，未经授权不得转载。")
    assert s.body == "正文第一段。\n（周渊）"
    assert s.removed == ["本文版权所有，未经授权不得转载。"]
    assert s.hits == {"copyright": 1}


def test_learn_basic():
    bodies = [f"文章{i}的正文。\n关注我们的公众号" for i in range(6)]
    assert learn_source_boilerplate(bodies) == {"关注我们的公众号"}
