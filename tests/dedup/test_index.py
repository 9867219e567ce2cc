from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from aggregator.db.models import Article, DedupBand, DedupSignature
from aggregator.dedup import DEFAULT_CONFIG, find_duplicate, register_article
from tests.dedup.dbutil import add_article
from tests.dedup.test_fingerprint import BODY, EDITS, OTHER

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)


def links(session):
    return dict(session.execute(select(Article.id, Article.duplicate_of)).all())


def assert_no_chains(session):
    dup = links(session)
    for a, d in dup.items():
        if d is not None:
            assert dup[d] is None, f"chain: {a} -> {d} -> {dup[d]}"


def test_unique_article_is_not_a_duplicate(session):
    a = add_article(session, "https://a.com/1", BODY, published_at=T0)
    r = register_article(session, a, BODY)
    assert r.kind is None and r.canonical_id is None and r.duplicate_of is None and not r.is_copy
    b = add_article(session, "https://a.com/2", OTHER, published_at=T0)
    assert register_article(session, b, OTHER).kind is None
    assert links(session) == {a: None, b: None}
    assert session.scalar(select(func.count()).select_from(DedupBand)) == 2 * DEFAULT_CONFIG.bands


def test_exact_duplicate(session):
    a = add_article(session, "https://a.com/1", BODY, published_at=T0, source="a")
    register_article(session, a, BODY)
    copy = BODY.replace("，", ",") + "\n"
    b = add_article(session, "https://b.com/1", copy, published_at=T0 + timedelta(hours=2), source="b")
    r = register_article(session, b, copy)
    assert r.kind == "exact" and r.similarity == 1.0
    assert r.canonical_id == a and r.duplicate_of == a and r.is_copy and r.matched == (a,)
    assert links(session) == {a: None, b: a}


def test_near_duplicate(session):
    a = add_article(session, "https://a.com/1", BODY, published_at=T0, source="a")
    register_article(session, a, BODY)
    copy = EDITS["all"](BODY)
    b = add_article(session, "https://b.com/1", copy, published_at=T0 + timedelta(hours=2), source="b")
    r = register_article(session, b, copy)
    assert r.kind == "near" and DEFAULT_CONFIG.threshold <= r.similarity < 1.0
    assert r.duplicate_of == a
    assert find_duplicate(session, b, copy) == a


def test_earlier_copy_becomes_canonical_and_cluster_is_repointed(session):
    ids = []
    for i, h in enumerate([5, 3, 4]):
        body = EDITS[["footer", "byline", "drop_paragraph"][i]](BODY)
        ids.append(add_article(session, f"https://s{i}.com/1", body, published_at=T0 + timedelta(hours=h), source=f"s{i}"))
        register_article(session, ids[-1], body)
    # s1 (published at +3h) is the earliest so far
    assert links(session) == {ids[0]: ids[1], ids[1]: None, ids[2]: ids[1]}
    # the original arrives last but was published first: everything re-points to it
    orig = add_article(session, "https://origin.com/1", BODY, published_at=T0, source="origin")
    r = register_article(session, orig, BODY)
    assert r.canonical_id == orig and r.duplicate_of is None and r.kind == "near"
    assert links(session) == {ids[0]: orig, ids[1]: orig, ids[2]: orig, orig: None}
    assert_no_chains(session)


def test_tie_broken_by_origin_then_length(session):
    a = add_article(session, "https://a.com/1", EDITS["drop_paragraph"](BODY), published_at=T0, source="a")
    register_article(session, a)
    b = add_article(session, "https://b.com/1", BODY, published_at=T0, source="b")  # longer body
    register_article(session, b)
    assert links(session)[a] == b  # same time, no origin: longest wins
    c = add_article(session, "https://c.com/1", EDITS["drop_first_paragraph"](BODY), published_at=T0, source="c", origin="新华社")
    register_article(session, c)
    assert links(session) == {a: c, b: c, c: None}  # names its origin
    d = add_article(session, "https://xinhua.com/1", EDITS["drop_first_paragraph"](BODY), published_at=T0, source="新华社", origin="新华社")
    register_article(session, d)
    assert links(session) == {a: d, b: d, c: d, d: None}  # the origin outlet's own copy


def test_unknown_publication_time_sorts_last(session):
    a = add_article(session, "https://a.com/1", BODY, published_at=None, source="a")
    register_article(session, a)
    b = add_article(session, "https://b.com/1", EDITS["footer"](BODY), published_at=T0 + timedelta(days=3), source="b")
    assert register_article(session, b).canonical_id == b
    assert links(session) == {a: b, b: None}


def test_idempotent(session):
    a = add_article(session, "https://a.com/1", BODY, published_at=T0)
    b = add_article(session, "https://b.com/1", EDITS["byline"](BODY), published_at=T0 + timedelta(hours=1))
    r1 = register_article(session, a)
    r2 = register_article(session, b)
    before = (links(session), session.execute(select(DedupSignature.article_id, DedupSignature.signature)).all(),
              sorted(session.execute(select(DedupBand.band_key, DedupBand.article_id)).all()))
    assert register_article(session, b) == r2
    assert register_article(session, a).canonical_id == a
    after = (links(session), session.execute(select(DedupSignature.article_id, DedupSignature.signature)).all(),
             sorted(session.execute(select(DedupBand.band_key, DedupBand.article_id)).all()))
    assert before == after
    assert r1.kind is None and r2.duplicate_of == a


@pytest.mark.parametrize("tiny", ["", "图片", "责任编辑：王小明", "（记者 张伟）"])
def test_tiny_bodies_never_duplicates(session, tiny):
    ids = [add_article(session, f"https://s{i}.com/1", tiny, published_at=T0 + timedelta(hours=i)) for i in range(3)]
    for i in ids:
        r = register_article(session, i, tiny)
        assert r.kind is None and r.duplicate_of is None
    assert all(d is None for d in links(session).values())
    assert session.scalar(select(func.count()).select_from(DedupBand)) == 0


def test_clusters_merge_through_a_bridge(session):
    # two clusters that a later copy connects end up as one, with one canonical
    p = BODY.split("\n")
    left = "\n".join(p[:4])
    right = "\n".join(p[1:])
    a = add_article(session, "https://a.com/1", left, published_at=T0 + timedelta(hours=2))
    b = add_article(session, "https://b.com/1", right, published_at=T0 + timedelta(hours=1))
    register_article(session, a)
    register_article(session, b)
    c = add_article(session, "https://c.com/1", BODY, published_at=T0 + timedelta(hours=3))
    r = register_article(session, c)
    assert r.canonical_id == b
    assert links(session) == {a: b, b: None, c: b}
    assert_no_chains(session)


def test_body_defaults_to_stored_row_and_reindex_on_change(session):
    a = add_article(session, "https://a.com/1", BODY, published_at=T0)
    register_article(session, a)
    b = add_article(session, "https://b.com/1", OTHER, published_at=T0 + timedelta(hours=1))
    assert register_article(session, b).kind is None
    # b is re-fetched and now carries the story: re-registering re-indexes it
    session.execute(Article.__table__.update().where(Article.id == b).values(body=EDITS["footer"](BODY)))
    assert register_article(session, b).duplicate_of == a
    assert session.scalar(select(func.count()).select_from(DedupBand).where(DedupBand.article_id == b)) == DEFAULT_CONFIG.bands


def test_missing_article(session):
    with pytest.raises(LookupError):
        register_article(session, 12345)
