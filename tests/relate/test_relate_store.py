"""Incremental indexing and linking on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aggregator.db.models import ArticleKeyword, ArticleRegion, KeywordDF, RelatedArticle
from aggregator.relate import index_article, index_keywords, index_regions, link_related
from aggregator.relate.store import corpus_documents, posting_limits


SOLAR = [
    ("光伏组件出货量创新高", "多家光伏企业公布组件出货量，单晶硅片价格下跌，光伏电站装机容量继续扩大，逆变器订单增加。"),
    ("单晶硅片价格走低 光伏电站迎来装机潮", "硅片和电池片价格持续走低，光伏组件成本下降，地面光伏电站与分布式光伏装机同步上升。"),
    ("分布式光伏装机提速", "屋顶分布式光伏项目增多，组件与逆变器厂商扩产，光伏电站并网容量提高，硅片供应充足。"),
]
BASKETBALL = [
    ("山西男篮主场击败辽宁", "篮球联赛常规赛，山西男篮凭借外援的三分球和篮板优势击败辽宁队，主教练赛后评价球队防守。"),
    ("CBA季后赛对阵出炉", "篮球联赛季后赛对阵确定，球队主教练谈外援状态，三分球命中率和篮板球成为关键。"),
]


_ADD = None


@pytest.fixture(autouse=True)
def _adder(new_article):
    global _ADD
    _ADD = new_article


def _links(session, article_id):
    return session.execute(
        select(RelatedArticle.related_id, RelatedArticle.score, RelatedArticle.shared_keywords)
        .where(RelatedArticle.article_id == article_id).order_by(RelatedArticle.score.desc())
    ).all()


def _store(session, title, body, **kw):
    aid = _ADD(session, title, body, **kw)
    index_article(session, aid, title, body)
    return aid


def test_older_articles_gain_the_new_one(engine):
    with Session(engine) as s:
        a = _store(s, *SOLAR[0])
        b = _store(s, *BASKETBALL[0])
        s.commit()
        assert _links(s, a) == []  # nothing on its subject yet
        c = _store(s, *SOLAR[1])
        s.commit()
        mine = _links(s, c)
        assert [r for r, _, _ in mine] == [a]
        assert "光伏" in mine[0][2].split(",")
        assert [r for r, _, _ in _links(s, a)] == [c]  # the older one gained it
        assert _links(s, b) == []
        d = _store(s, *BASKETBALL[1])
        s.commit()
        assert [r for r, _, _ in _links(s, d)] == [b]
        assert [r for r, _, _ in _links(s, b)] == [d]
        assert all(r in (a, c) for r, _, _ in _links(s, _store(s, *SOLAR[2])))


def test_duplicate_cluster_members_are_never_linked(engine):
    with Session(engine) as s:
        a = _store(s, *SOLAR[0])
        copy1 = _store(s, *SOLAR[0], duplicate_of=a)
        copy2 = _store(s, SOLAR[0][0] + "（转载）", SOLAR[0][1], duplicate_of=a)
        other = _store(s, *SOLAR[1])
        s.commit()
        cluster = {a, copy1, copy2}
        for x in cluster:
            assert not cluster & {r for r, _, _ in _links(s, x)}, x
        # the other story links to one copy of the story, not to three
        linked = [r for r, _, _ in _links(s, other)]
        assert len(cluster & set(linked)) == 1


def test_an_article_already_linked_to_a_story_does_not_gain_another_copy_of_it(engine):
    from sqlalchemy import update

    from aggregator.db.models import Article

    with Session(engine) as s:
        a = _store(s, *SOLAR[0])
        other = _store(s, *SOLAR[1])
        s.commit()
        assert [r for r, _, _ in _links(s, other)] == [a]
        # a later copy of a's story: other keeps its link to a and does not gain the copy
        copy = _store(s, SOLAR[0][0] + "（转载）", SOLAR[0][1], duplicate_of=a)
        s.commit()
        assert [r for r, _, _ in _links(s, other)] == [a]
        assert a not in {r for r, _, _ in _links(s, copy)}
        # an earlier-published original turns up: a and its copy now point at it, and other,
        # linked to a, does not gain the original either (the story is the same)
        original = _ADD(s, *SOLAR[0])
        s.execute(update(Article).where(Article.id.in_([a, copy])).values(duplicate_of=original))
        index_article(s, original, *SOLAR[0])
        s.commit()
        assert [r for r, _, _ in _links(s, other)] == [a]
        assert not {a, copy} & {r for r, _, _ in _links(s, original)}


def _snapshot(s):
    return (
        corpus_documents(s),
        dict(s.execute(select(KeywordDF.keyword, KeywordDF.df)).all()),
        s.execute(select(ArticleKeyword.article_id, ArticleKeyword.keyword, ArticleKeyword.weight)
                  .order_by(ArticleKeyword.article_id, ArticleKeyword.keyword)).all(),
        s.execute(select(RelatedArticle.article_id, RelatedArticle.related_id, RelatedArticle.score, RelatedArticle.shared_keywords)
                  .order_by(RelatedArticle.article_id, RelatedArticle.related_id)).all(),
        s.execute(select(ArticleRegion.article_id, ArticleRegion.province, ArticleRegion.city, ArticleRegion.district,
                         ArticleRegion.mentions).order_by(ArticleRegion.article_id, ArticleRegion.adcode)).all(),
    )


def _rerun(s, ids, texts):
    for aid, (title, body) in zip(ids, texts):
        index_keywords(s, aid, title, body)
        index_regions(s, aid, title, body)
        link_related(s, aid)
    s.commit()


def test_rerun_is_idempotent(engine):
    texts = SOLAR + BASKETBALL
    with Session(engine) as s:
        ids = [_store(s, *x) for x in texts]
        s.commit()
        docs, df, *_ = _snapshot(s)
        # indexing the same text again does not count it again in the document frequencies
        _rerun(s, ids, texts)
        first = _snapshot(s)
        assert first[0] == docs == len(ids)
        assert first[1] == df
        # keywords stored early were weighted with the IDF of a smaller corpus; once refreshed,
        # further runs change nothing
        _rerun(s, ids, texts)
        assert _snapshot(s) == first


def test_top_n_is_kept_when_older_articles_gain_links(engine):
    with Session(engine) as s:
        ids = [_store(s, *SOLAR[i % 3]) for i in range(6)]
        s.commit()
        for aid in ids:
            assert len(_links(s, aid)) <= 5
        for i in range(6):
            link_related(s, ids[i], top_n=2)
        s.commit()
        n = dict(s.execute(select(RelatedArticle.article_id, func.count()).group_by(RelatedArticle.article_id)).all())
        assert max(n.values()) <= 5


def test_keywords_and_regions_stored(engine):
    with Session(engine) as s:
        aid = _ADD(s, "太原市小店区光伏项目开工", "山西省太原市小店区一座光伏电站开工建设。")
        kws = index_keywords(s, aid, "太原市小店区光伏项目开工", "山西省太原市小店区一座光伏电站开工建设。", top_k=5)
        index_regions(s, aid, "太原市小店区光伏项目开工", "山西省太原市小店区一座光伏电站开工建设。")
        s.commit()
        assert len(kws) <= 5 and "光伏" in [k for k, _ in kws]
        rows = s.execute(select(ArticleRegion.province, ArticleRegion.city, ArticleRegion.district, ArticleRegion.mentions)
                         .where(ArticleRegion.article_id == aid)).all()
        assert ("山西省", "太原市", "小店区", 2) in rows
        assert s.scalar(select(func.count()).select_from(ArticleRegion).where(ArticleRegion.province == "山西省")) >= 2


def test_rebuild_matches_incremental(engine):
    from sqlalchemy.orm import sessionmaker

    from aggregator.relate import rebuild_all

    texts = SOLAR + BASKETBALL
    with Session(engine) as s:
        ids = [_store(s, *x) for x in texts]
        copy = _store(s, *SOLAR[0], duplicate_of=ids[0])
        s.commit()
        _rerun(s, ids + [copy], texts + [SOLAR[0]])  # weights with the final IDF
        _rerun(s, ids + [copy], texts + [SOLAR[0]])
        docs, df, kws, links, regions = _snapshot(s)
    seen = []
    stats = rebuild_all(sessionmaker(engine), progress=lambda *a: seen.append(a), workers=1)
    assert stats["articles"] == len(ids) + 1
    assert {stage for stage, _, _ in seen} >= {"tokenise", "keywords", "regions", "links"}
    with Session(engine) as s:
        docs2, df2, kws2, links2, regions2 = _snapshot(s)
        assert (docs2, df2, regions2) == (docs, df, regions)
        assert [(a, k) for a, k, _ in kws2] == [(a, k) for a, k, _ in kws]
        assert all(abs(w - w2) < 1e-5 for (_, _, w), (_, _, w2) in zip(kws, kws2))
        pairs = {(a, r) for a, r, _, _ in links2}
        assert (ids[0], copy) not in pairs and (copy, ids[0]) not in pairs
        assert (ids[3], ids[4]) in pairs and (ids[4], ids[3]) in pairs
        assert not any((a in ids[:3] + [copy]) != (r in ids[:3] + [copy]) for a, r in pairs)
        # running it again changes nothing
    rebuild_all(sessionmaker(engine), workers=2)
    with Session(engine) as s:
        assert _snapshot(s)[3] == links2


def test_only_the_strongest_keywords_read_the_full_posting_cap():
    keywords = {f"词{i:03d}": 1.0 - i / 1000 for i in range(100)}
    limits = posting_limits(keywords, cap=20, strong=40, weak=8)
    ranked = sorted(keywords, key=keywords.get, reverse=True)
    assert [limits[k] for k in ranked[:40]] == [21] * 40  # the cap plus the article's own posting
    assert [limits[k] for k in ranked[40:]] == [9] * 60


def test_a_batch_links_as_its_articles_one_by_one(tmp_path):
    """link_batch scores a batch as one matrix product and replays the reverse check in
    memory: the links must be those of linking the same articles one at a time, in order
    (120 real articles of ten topics; the last 60 as one batch in one database, one by
    one in the other, including a copy, so story rules and older lists' evictions occur)."""
    from pathlib import Path

    from aggregator.db.engine import make_engine
    from aggregator.relate import ensure_schema
    from aggregator.relate import store as S
    from aggregator.relate import text as T
    from aggregator.relate.store import index_articles
    from tests.relate.conftest import add_article

    data = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "cnews-dev.tsv"
    if not data.exists():
        pytest.skip(f"labelled sample not found: {data}")
    texts = [(t[:30], t) for t in (line.partition("\t")[2] for line in data.read_text(encoding="utf-8").splitlines()[:120]) if t]
    tables = []
    for name, batched in (("batch", True), ("one", False)):
        eng = make_engine(f"sqlite:///{tmp_path / (name + '.db')}")
        ensure_schema(eng)
        with Session(eng) as s:
            ids = [add_article(s, *x) for x in texts[:60]]
            for aid, x in zip(ids, texts[:60]):
                index_article(s, aid, *x)
            later = [add_article(s, *x) for x in texts[60:]]
            later.append(add_article(s, *texts[0], duplicate_of=ids[0]))
            new = list(zip(later, [*texts[60:], texts[0]]))
            if batched:
                index_articles(s, [(aid, t, b) for aid, (t, b) in new])
            else:  # the same keywords (counted and weighted as one batch), then linked one at a time
                S._index_keywords(s, {aid: (t, b, *S._analyse(t, b)[:2]) for aid, (t, b) in new}, T.TOP_K)
                for aid, _ in new:
                    link_related(s, aid)
            s.commit()
            tables.append(s.execute(select(RelatedArticle.article_id, RelatedArticle.related_id,
                                           func.round(RelatedArticle.score, 6), RelatedArticle.shared_keywords)
                                    .order_by(RelatedArticle.article_id, RelatedArticle.related_id)).all())
        eng.dispose()
    assert len(tables[0]) > 400
    assert tables[0] == tables[1]
