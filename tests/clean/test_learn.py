from __future__ import annotations

from aggregator.clean import learn_source_boilerplate

TEMPLATE = "更多精彩内容，请关注太原新闻网官方账号"


def _bodies(n: int, extra_tail: str | None = TEMPLATE):
    out = []
    for i in range(n):
        lines = [f"第{i}篇文章的导语，介绍了当天发生的新闻事件{i}。", f"第{i}篇文章的正文段落，内容各不相同{i}。"]
        if extra_tail:
            lines.append(extra_tail)
        out.append("\n".join(lines))
    return out


def test_recurring_tail_line_is_learned():
    assert learn_source_boilerplate(_bodies(10)) == {TEMPLATE}


def test_needs_minimum_pages():
    assert learn_source_boilerplate(_bodies(3)) == set()          # 3 < min_pages
    assert learn_source_boilerplate(_bodies(3), min_pages=3) == {TEMPLATE}


def test_needs_share_of_pages():
    bodies = _bodies(6) + _bodies(20, extra_tail=None)
    assert learn_source_boilerplate(bodies) == set()              # 6/26 < 0.5
    assert learn_source_boilerplate(bodies, min_share=0.2) == {TEMPLATE}


def test_quoted_sentence_in_two_articles_is_not_learned():
    quote = "习近平指出，要坚持把发展经济的着力点放在实体经济上。"
    bodies = _bodies(10, extra_tail=None)
    bodies[0] += "\n" + quote
    bodies[1] += "\n" + quote
    assert quote not in learn_source_boilerplate(bodies)


def test_long_or_middle_lines_are_not_learned():
    long_line = "这是一个很长的段落" * 20
    middle = "每篇文章中间都有的一句话"
    bodies = []
    for i in range(10):
        head = [f"导语{i}"] + [f"第{j}段内容{i}" for j in range(10)]
        bodies.append("\n".join(head[:5] + [middle] + head[5:] + [f"结尾{i}", long_line]))
    learned = learn_source_boilerplate(bodies, edge_lines=3)
    assert long_line not in learned and middle not in learned


def test_empty_input():
    assert learn_source_boilerplate([]) == set()
    assert learn_source_boilerplate(iter(["", ""])) == set()
