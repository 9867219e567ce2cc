"""Related-link quality on 502 labelled real news articles (THUCNews sample in ../shared).

The articles are stored one by one, in file order, through the same incremental functions
the store pipeline calls; then for every article its five best links are checked against
its topic label. Floors are what the method reaches minus a small margin (see docs/relate.md).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from aggregator.db.engine import make_engine
from aggregator.db.models import RelatedArticle
from aggregator.relate import ensure_schema, index_article, rebuild_all

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DATA = SHARED / "data" / "cnews-dev.tsv"

PRECISION_AT_5_FLOOR = 0.93  # measured 0.939
COVERAGE_FLOOR = 0.97  # measured 0.978
REBUILD_PRECISION_AT_5_FLOOR = 0.925  # measured 0.938
REBUILD_COVERAGE_FLOOR = 0.955  # measured 0.966


def load_labelled(path: Path = DATA) -> list[tuple[str, str, str]]:
    """(label, title, body) per line. The file does not separate the title from the body:
    its first 30 characters stand in for the title, and the whole text is the body."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        label, _, text = line.partition("\t")
        if text:
            out.append((label, text[:30], text))
    return out


def precision_at_5(links: dict[int, list[tuple[float, int]]], labels: dict[int, str]) -> tuple[float, float]:
    """Mean share of each linked article's five best links that carry its label, and the
    share of articles with at least one link."""
    per_article = []
    for aid, lst in links.items():
        top = sorted(lst, reverse=True)[:5]
        if top:
            per_article.append(sum(labels[r] == labels[aid] for _, r in top) / len(top))
    return (sum(per_article) / len(per_article) if per_article else 0.0), len(per_article) / len(labels)


def read_links(session: Session) -> dict[int, list[tuple[float, int]]]:
    links: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for aid, rid, score in session.execute(select(RelatedArticle.article_id, RelatedArticle.related_id, RelatedArticle.score)):
        links[aid].append((score, rid))
    return links


@pytest.mark.skipif(not DATA.exists(), reason=f"labelled sample not found: {DATA} (the shared/ folder beside the repository)")
def test_precision_at_5_incremental(tmp_path, new_article):
    engine = make_engine(f"sqlite:///{tmp_path / 'quality.db'}")
    ensure_schema(engine)
    labels: dict[int, str] = {}
    with Session(engine) as s:
        for label, title, body in load_labelled():
            aid = new_article(s, title, body)
            index_article(s, aid, title, body)
            s.commit()
            labels[aid] = label
        p5, coverage = precision_at_5(read_links(s), labels)
    print(f"incremental: precision@5={p5:.4f} coverage={coverage:.4f}")
    assert p5 >= PRECISION_AT_5_FLOOR
    assert coverage >= COVERAGE_FLOOR

    # a full rebuild (final-corpus IDF, every article ranked against all others) keeps the level
    stats = rebuild_all(sessionmaker(engine), workers=1)
    assert stats["articles"] == len(labels)
    with Session(engine) as s:
        p5, coverage = precision_at_5(read_links(s), labels)
    engine.dispose()
    print(f"rebuild: precision@5={p5:.4f} coverage={coverage:.4f}")
    assert p5 >= REBUILD_PRECISION_AT_5_FLOOR
    assert coverage >= REBUILD_COVERAGE_FLOOR
