"""Quality on the syndication fixture: duplicate-pair precision and recall through the
real dedup stage (register_article on a real SQLite database)."""

from __future__ import annotations

import itertools
import json
import os
from datetime import timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.db.engine import make_engine
from aggregator.db.models import Article
from aggregator.dedup import DEFAULT_CONFIG, register_article
from aggregator.dedup.fingerprint import is_copy, shingles
from tests.dedup.dbutil import add_article
from tests.dedup.syndication import KNOWN_NEAR_DUPLICATES, SITES, build_fixture, load_cnews, true_pairs, write_sites

MIN_PRECISION = 0.98
MIN_RECALL = 0.95


def run_fixture(db_url: str, articles) -> dict:
    """Ingest the fixture articles through the dedup stage; return the metrics."""
    engine = make_engine(db_url)
    ids = []
    with Session(engine) as s:
        for a in articles:
            aid = add_article(s, a.url, a.body, source=a.site, title=a.title,
                              published_at=a.published_at.astimezone(timezone.utc), origin=a.origin)
            register_article(s, aid, a.body)
            ids.append(aid)
        dup = dict(s.execute(select(Article.id, Article.duplicate_of)).all())
    engine.dispose()
    root = {i: dup[i] or i for i in ids}
    clusters: dict[int, list[int]] = {}
    for i in ids:
        clusters.setdefault(root[i], []).append(i)
    predicted = {frozenset(p) for members in clusters.values() for p in itertools.combinations(members, 2)}
    truth = true_pairs(articles, ids)
    tp = len(predicted & truth)
    by_id = dict(zip(ids, articles))
    origin_ok = sum(1 for r, members in clusters.items() if len(members) > 1 and by_id[r].is_origin_copy)
    multi = sum(1 for members in clusters.values() if len(members) > 1)
    return {
        "articles": len(ids),
        "true_pairs": len(truth),
        "predicted_pairs": len(predicted),
        "true_positives": tp,
        "precision": tp / len(predicted) if predicted else 1.0,
        "recall": tp / len(truth) if truth else 1.0,
        "false_positives": sorted(tuple(sorted((by_id[a].story_id, by_id[b].story_id))) for a, b in map(tuple, predicted - truth)),
        "missed": sorted(tuple(sorted((by_id[a].story_id, by_id[b].story_id))) for a, b in map(tuple, truth - predicted)),
        "clusters": multi,
        "canonical_is_original": origin_ok,
        "no_chains": all(dup[d] is None for d in dup.values() if d is not None),
    }


def test_known_near_duplicates_in_cnews():
    """KNOWN_NEAR_DUPLICATES is exactly the set of cnews-dev pairs that the near-duplicate
    rule (``is_copy``) accepts when computed on the true 5-shingle sets (exhaustive,
    exact Jaccard and containment, no MinHash)."""
    rows = load_cnews()
    sets = [shingles(t, DEFAULT_CONFIG.shingle_size) for _, t in rows]
    found = []
    for i, j in itertools.combinations(range(len(sets)), 2):
        a, b = sets[i], sets[j]
        inter = len(a & b)
        if inter and is_copy(inter / (len(a) + len(b) - inter), len(a), len(b)):
            found.append((i, j))
    assert tuple(found) == KNOWN_NEAR_DUPLICATES


def test_fixture_shape():
    arts = build_fixture()
    assert len({a.url for a in arts}) == len(arts)
    stories = {}
    for a in arts:
        stories.setdefault(a.story_id, []).append(a)
    syndicated = [v for v in stories.values() if len(v) > 1]
    assert len(syndicated) == 40 and all(2 <= len(v) <= 4 for v in syndicated)
    assert all(len({a.site for a in v}) == len(v) for v in syndicated)  # one copy per site
    assert all(sum(a.is_origin_copy for a in v) == 1 for v in stories.values())
    assert any(a.title.startswith("转载：") for a in arts)
    assert any("记者" in a.body.split("\n")[0] for v in syndicated for a in v if not a.is_origin_copy)
    assert build_fixture() == arts  # seeded


def test_quality_on_syndication_fixture(tmp_path):
    articles = build_fixture()
    m = run_fixture(f"sqlite:///{tmp_path / 'quality.db'}", articles)
    report = os.environ.get("DEDUP_QUALITY_REPORT")
    if report:
        with open(report, "w") as f:
            json.dump(m, f, indent=1)
    print(json.dumps(m, ensure_ascii=False))
    assert m["no_chains"]
    assert m["precision"] >= MIN_PRECISION, m
    assert m["recall"] >= MIN_RECALL, m


def test_write_sites(tmp_path):
    articles = build_fixture()
    dirs = write_sites(articles, tmp_path)
    assert set(dirs) == {s.name for s in SITES}
    total = 0
    for site in SITES:
        root = dirs[site.name]
        pages = sorted(root.glob("index*.html"))
        assert pages and (root / "index.html").exists()
        n_site = sum(1 for a in articles if a.site == site.name)
        total += n_site
        html_files = [p for p in root.rglob("*") if p.is_file() and p.name not in {q.name for q in pages}]
        assert len(html_files) == n_site
        first = (root / "index.html").read_bytes().decode(site.encoding)
        if len(pages) > 1:
            assert "下一页" in first and 'href="index_2.html"' in first
    assert total == len(articles)
    # an article page carries its title and text
    a = next(x for x in articles if x.site == "xinhuanet")
    from tests.dedup.syndication import _page_path

    page = (dirs["xinhuanet"] / _page_path(a.url).lstrip("/")).read_text("utf-8")
    assert a.title.replace("&", "&amp;")[:5] in page and a.body.split("\n")[0][:10] in page
