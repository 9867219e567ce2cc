"""Known article text wrapped in the page templates of common CMS families.

Without ../shared: a committed article. With it: real THUCNews articles (cnews-dev.tsv),
so the line filters and scoring meet hundreds of real paragraphs.
"""

from __future__ import annotations

import re
import statistics

import pytest

from aggregator.clean import normalize_text, strip_boilerplate
from aggregator.extract import extract_article
from aggregator.extract.scoring import prf

from ._data import SHARED
from .templates import TEMPLATES

CNEWS = SHARED / "data" / "cnews-dev.tsv"
# lines of the templates' article that stay in the stored body; the editor trailers
# (【责任编辑:王頔】, (责编：…)) move to ``editor`` and to the removed text (issue 13)
EDITOR = {"people": ["《 人民日报 》（ 2024年09月28日 02 版）"]}
TRAILERS = {"newscn": ("【责任编辑:王頔】", "王頔"), "people": ("(责编：胡永秋、杨光宇)", "胡永秋 杨光宇")}

COMMITTED = [
    ("太原市召开重点产业链推进会", [
        "9月27日，太原市召开重点产业链链长制工作推进会，分析当前形势，部署下一阶段工作。",
        "会议指出，今年以来全市重点产业链发展总体平稳，新能源汽车、半导体等产业增势良好。",
        "会议要求，各链长单位要加大招商力度，强化要素保障，推动项目早落地、早投产、早见效。",
        "（记者 王强）",
    ]),
]


def _run(name, title, paras):
    html = TEMPLATES[name](title, paras)
    data = html.encode("gb18030") if name == "dedecms" else html
    ex = extract_article(data, "http://www.example.gov.cn/a/202409/t20240928_1.html")
    body = strip_boilerplate(normalize_text(ex.body)).body
    truth = "\n".join(paras + EDITOR.get(name, []))
    return ex, body, prf(body, truth)[2]


@pytest.mark.parametrize("name", sorted(TRAILERS))
def test_editor_trailer_moves_to_editor_and_removed(name):
    title, paras = COMMITTED[0]
    html = TEMPLATES[name](title, paras)
    ex = extract_article(html, "http://www.example.gov.cn/a/202409/t20240928_1.html")
    st = strip_boilerplate(normalize_text(ex.body))
    line, editor = TRAILERS[name]
    assert ex.editor == editor
    assert line not in st.body and line in st.removed and st.hits.get("editor_trailer") == 1


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_committed_article_in_every_template(name):
    title, paras = COMMITTED[0]
    ex, body, f1 = _run(name, title, paras)
    assert body.split("\n")[:4] == paras
    assert f1 > 0.99
    assert ex.title == title
    assert ex.published_at is not None and ex.published_at.date().isoformat() == "2024-09-28"


def _cnews_articles(step=8):
    if not CNEWS.exists():
        pytest.skip(f"shared test data not available: {CNEWS.resolve()} (expected at <repo>/../shared)")
    out = []
    for row in CNEWS.read_text(encoding="utf-8").splitlines()[::step]:
        _label, _, text = row.partition("\t")
        sents = [s for s in re.findall(r"[^。！？]*[。！？]?", text) if s.strip()]
        paras = ["".join(sents[i:i + 3]).strip() for i in range(1, len(sents), 3)]
        if sum(map(len, paras)) >= 80:
            out.append((sents[0][:30].replace("<", "").replace("&", ""), paras))
    return out


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_real_articles_in_every_template(name):
    scores = [_run(name, title, paras)[2] for title, paras in _cnews_articles()]
    assert len(scores) > 50
    assert statistics.mean(scores) >= 0.99
    assert min(scores) >= 0.5
