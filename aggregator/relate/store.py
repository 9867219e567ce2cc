"""Database side of keywords, regions and related links.

Every function taking a ``Session`` works inside the caller's transaction: it flushes
but never commits. ``rebuild_all`` takes a session factory and commits in batches.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from collections import defaultdict
from typing import Callable, Iterable, Sequence

from sqlalchemy import Engine, bindparam, delete, insert, select, text, update
from sqlalchemy.orm import Session

from aggregator.db.models import (
    Article,
    ArticleKeyword,
    ArticleRegion,
    ArticleRelateState,
    Base,
    KeywordDF,
    RelatedArticle,
    RelateStat,
)
from aggregator.relate import text as T
from aggregator.relate.regions import RegionMention, gazetteer

#: Links kept per article.
TOP_N = 10
#: Lowest cosine similarity that makes a link.
THRESHOLD = 0.05
#: Postings read per keyword when looking for candidates, strongest first: a keyword
#: that thousands of articles carry contributes only its best ``CANDIDATES_PER_KEYWORD``.
CANDIDATES_PER_KEYWORD = 20
#: Only an article's ``STRONG_KEYWORDS`` heaviest keywords read ``CANDIDATES_PER_KEYWORD``
#: postings; the others read ``WEAK_CANDIDATES``. A story that shares only weak keywords
#: with an article rarely makes its top ten, and fewer rows read per new article keep its
#: cost from growing with the database (40 × 21 + 60 × 9 = 1,380 rows at most instead of
#: 100 × 21 = 2,100; on the labelled sample precision@5 0.939 instead of 0.941).
STRONG_KEYWORDS = 40
WEAK_CANDIDATES = 8
#: How many of a new article's best candidates are checked for gaining it as a link.
REVERSE_CHECK = 50

DOCUMENTS = "documents"
_CHUNK = 400  # bound parameters per IN (...) list


def options_from_settings(settings) -> dict:
    """The ``RELATE_TOP_K``, ``RELATE_TOP_N`` and ``RELATE_THRESHOLD`` settings that are
    set, as keyword arguments of ``index_articles`` / ``rebuild_all``."""
    return {key: cast(settings[name]) for key, name, cast in (
        ("top_k", "RELATE_TOP_K", int), ("top_n", "RELATE_TOP_N", int), ("threshold", "RELATE_THRESHOLD", float))
        if settings.get(name) is not None}


# --------------------------------------------------------------------------- schema


def ensure_schema(bind: Engine) -> None:
    """Create this module's tables and indexes when missing (also on databases created
    before they existed; ``make_engine`` creates them on new ones)."""
    tables = [t for t in Base.metadata.sorted_tables if t.name in {
        "keyword_df", "relate_stats", "article_relate_state", "article_regions", "article_keywords", "related_articles"}]
    Base.metadata.create_all(bind, tables=tables)
    for index in ArticleKeyword.__table__.indexes:
        index.create(bind, checkfirst=True)


# --------------------------------------------------------------------------- helpers


def _insert(session: Session, model):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - other databases
        raise NotImplementedError(f"aggregator.relate supports SQLite and PostgreSQL, not {dialect}")
    return insert(model)


def _chunks(seq: Sequence, size: int = _CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def _fingerprint(title: str, body: str) -> str:
    return hashlib.sha256(f"{title or ''}\x00{body or ''}".encode("utf-8")).hexdigest()


def corpus_documents(session: Session) -> int:
    """Number of articles counted in ``keyword_df``."""
    return session.scalar(select(RelateStat.value).where(RelateStat.name == DOCUMENTS)) or 0


def idf_lookup(session: Session, words: Iterable[str], *, prior_documents: float = T.PRIOR_DOCUMENTS) -> Callable[[str], float]:
    """An IDF function for ``words`` read from ``keyword_df`` (blended with jieba's IDF;
    a word the corpus has not seen gets jieba's IDF, or jieba's median for unknown words)."""
    words = list(set(words))
    n = corpus_documents(session)
    df: dict[str, int] = {}
    for chunk in _chunks(words):
        df.update(session.execute(select(KeywordDF.keyword, KeywordDF.df).where(KeywordDF.keyword.in_(chunk))).all())
    return make_idf(df, n, prior_documents=prior_documents)


def make_idf(df: dict[str, int], documents: int, *, prior_documents: float = T.PRIOR_DOCUMENTS) -> Callable[[str], float]:
    jidf, median = T.jieba_idf()

    def idf(word: str) -> float:
        prior = jidf.get(word, median)
        d = df.get(word, 0)
        if d <= 0:
            return prior
        return T.blended_idf(min(d, documents), documents, prior, prior_documents=prior_documents)

    return idf


# --------------------------------------------------------------------------- keywords


def _store_keywords(session: Session, keywords: dict[int, list[tuple[str, float]]]) -> None:
    """Replace the stored keywords of each article in ``keywords`` (article id -> list)."""
    for chunk in _chunks(list(keywords)):
        session.execute(delete(ArticleKeyword).where(ArticleKeyword.article_id.in_(chunk)))
    rows = [{"article_id": aid, "keyword": k, "weight": w} for aid, kws in keywords.items() for k, w in kws]
    if rows:
        session.execute(_insert(session, ArticleKeyword), rows)


def index_keywords(session: Session, article_id: int, title: str, body: str, *, top_k: int = T.TOP_K) -> list[tuple[str, float]]:
    """Count the article in the corpus document frequencies (once per text), compute its
    top ``top_k`` keywords and store them in ``article_keywords`` (replacing earlier ones).

    Returns the keywords, strongest first, with L2-normalised weights.
    """
    title_toks, body_toks = T.prepare(title, body)
    return _index_keywords(session, {article_id: (title, body, title_toks, body_toks)}, top_k)[article_id]


def _index_keywords(session: Session, tokens: dict[int, tuple[str, str, list[str], list[str]]],
                    top_k: int) -> dict[int, list[tuple[str, float]]]:
    """``index_keywords`` for a batch: article id -> (title, body, title tokens, body
    tokens). Corpus counts and keywords are written a statement per table for the batch."""
    texts, tfs = {}, {}
    for aid, (title, body, title_toks, body_toks) in tokens.items():
        # a token longer than the keyword column is cut to fit it
        title_toks, body_toks = [t[:100] for t in title_toks], [t[:100] for t in body_toks]
        texts[aid] = (title, body, set(title_toks) | set(body_toks))
        tfs[aid] = T.term_frequencies(title_toks, body_toks)
    _count_documents(session, texts)
    session.flush()
    idf = idf_lookup(session, {w for tf in tfs.values() for w in tf})
    keywords = {aid: T.score_keywords(tf, idf, top_k=top_k) for aid, tf in tfs.items()}
    _store_keywords(session, keywords)
    session.flush()
    return keywords


# --------------------------------------------------------------------------- regions


def _store_regions(session: Session, regions: dict[int, list[RegionMention]]) -> None:
    """Replace the stored places of each article in ``regions`` (article id -> list)."""
    for chunk in _chunks(list(regions)):
        session.execute(delete(ArticleRegion).where(ArticleRegion.article_id.in_(chunk)))
    rows = [{"article_id": aid, "province": r.province, "city": r.city, "district": r.district,
             "adcode": r.adcode, "mentions": r.mentions} for aid, found in regions.items() for r in found]
    if rows:
        session.execute(_insert(session, ArticleRegion), rows)


def index_regions(session: Session, article_id: int, title: str, body: str) -> list[RegionMention]:
    """Find the places the article names and store them in ``article_regions`` (replacing
    earlier rows). Returns them, most mentioned first."""
    regions = gazetteer().find(T.segment(title or "") + ["\n"] + T.segment((body or "")[: T.MAX_REGION_CHARS]))
    _store_regions(session, {article_id: regions})
    session.flush()
    return regions


# --------------------------------------------------------------------------- links


_A = Article.__table__
_AK = ArticleKeyword.__table__
_RA = RelatedArticle.__table__


def _cluster_keys(session: Session, ids: Iterable[int], known: dict[int, int] | None = None) -> dict[int, int]:
    """article id -> its story's id (duplicate_of, or its own id). Ids already in ``known``
    are not read again; what is read is added to it."""
    known = {} if known is None else known
    ids = set(ids)
    missing = sorted(ids - known.keys())
    for chunk in _chunks(missing):
        for aid, dup in session.execute(select(_A.c.id, _A.c.duplicate_of).where(_A.c.id.in_(chunk))):
            known[aid] = dup or aid
    return {i: known[i] for i in ids if i in known}


def _story_members(session: Session, story: int) -> set[int]:
    """The ids of a story: its canonical article and the copies pointing at it (by the
    duplicate_of index, never a join over every link of every candidate)."""
    return {story, *session.scalars(select(_A.c.id).where(_A.c.duplicate_of == story))}


def _best_stories(session: Session, article_id: int, ranked: list[tuple[float, int]], want: int,
                  stories: dict[int, int]) -> list[tuple[float, int]]:
    """The first ``want`` candidates of ``ranked`` (score, id), best first, that belong to
    distinct stories other than the article's own. Story ids are read a chunk at a time
    from the top, so a typical article reads about ``want`` of them, not all of ``ranked``
    (``stories`` caches id -> story id, and gains the article's own)."""
    my_key = _cluster_keys(session, [article_id], stories).get(article_id, article_id)
    best: list[tuple[float, int]] = []
    seen_keys = {my_key}
    step = want + 10
    for start in range(0, len(ranked), step):
        part = ranked[start:start + step]
        keys = _cluster_keys(session, [c for _, c in part], stories)
        for s, c in part:
            k = keys.get(c)
            if k is None or k in seen_keys:
                continue
            seen_keys.add(k)
            best.append((round(min(s, 1.0), 6), c))
            if len(best) == want:
                return best
    return best


@lru_cache(maxsize=128)
def _postings_sql(parts: int):
    one = ("(SELECT article_id, keyword, weight FROM article_keywords WHERE keyword = :k{i} "
           "ORDER BY weight DESC LIMIT :lim{i}) AS p{i}")
    return text(" UNION ALL ".join(f"SELECT * FROM {one.format(i=i)}" for i in range(parts)))


def _postings(session: Session, limits: dict[str, int]) -> Iterable[tuple[int, str, float]]:
    """The ``limits[keyword]`` strongest postings of each keyword, one round trip per 50
    keywords (each part is a range scan of the (keyword, weight) index)."""
    for chunk in _chunks(sorted(limits), 50):
        params = {f"k{i}": kw for i, kw in enumerate(chunk)}
        params.update({f"lim{i}": limits[kw] for i, kw in enumerate(chunk)})
        yield from session.execute(_postings_sql(len(chunk)), params).all()


def _by_weight(keywords: dict[str, float]) -> list[tuple[str, float]]:
    return sorted(keywords.items(), key=lambda p: (-p[1], p[0]))


def posting_limits(keywords: dict[str, float], *, cap: int | None = None, strong: int | None = None,
                   weak: int | None = None) -> dict[str, int]:
    """How many postings of each of an article's keywords its linking reads: ``cap`` for its
    ``strong`` heaviest, ``weak`` for the rest, plus one (the article's own posting).
    Defaults: the module's constants."""
    cap = CANDIDATES_PER_KEYWORD if cap is None else cap
    strong = STRONG_KEYWORDS if strong is None else strong
    weak = WEAK_CANDIDATES if weak is None else weak
    return {kw: (cap if rank < strong else weak) + 1 for rank, (kw, _) in enumerate(_by_weight(keywords))}


def postings_of(session: Session, limits: dict[str, int]) -> dict[str, list[tuple[int, float]]]:
    """keyword -> its ``limits[keyword]`` strongest ``(article_id, weight)`` postings,
    strongest first. What a keyword's postings are does not depend on who asks, so a batch
    reads them once for all its articles (with the largest limit any of them needs)."""
    out: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for cid, kw, cw in _postings(session, limits):
        out[kw].append((cid, cw))
    for plist in out.values():
        plist.sort(key=lambda p: (-p[1], p[0]))
    return out


def _shared(a: dict[str, float], b: dict[str, float]) -> str:
    return ",".join(T.shared_keywords(a, b))


def link_related(session: Session, article_id: int, *, top_n: int = TOP_N, threshold: float = THRESHOLD,
                 candidates_per_keyword: int = CANDIDATES_PER_KEYWORD,
                 reverse_check: int = REVERSE_CHECK,
                 keywords: dict[str, float] | None = None,
                 postings: dict[str, list[tuple[int, float]]] | None = None,
                 stories: dict[int, int] | None = None) -> list[tuple[int, float, str]]:
    """Link the article to its ``top_n`` most similar stories and let older articles gain it.

    Candidates come from ``article_keywords`` by keyword (at most ``candidates_per_keyword``
    postings for each of its ``STRONG_KEYWORDS`` heaviest keywords, ``WEAK_CANDIDATES`` for
    the others, strongest first); the score is the cosine of the two keyword
    vectors over the postings read. Articles of the same duplicate cluster are never linked,
    and a story appears at most once in a list. Its best ``reverse_check`` candidates gain the
    article when it ranks in their own top ``top_n``. Running it again gives the same links.

    ``keywords`` are the article's stored keywords when the caller has them at hand;
    ``postings`` (from :func:`postings_of`, read with at least :func:`posting_limits`) and
    ``stories`` (article id -> story id) are shared by the articles of a batch.
    Returns ``(related_id, score, shared_keywords)`` best first.
    """
    mine = keywords if keywords is not None else dict(
        session.execute(select(_AK.c.keyword, _AK.c.weight).where(_AK.c.article_id == article_id)).all())
    session.execute(delete(_RA).where(_RA.c.article_id == article_id))
    if not mine:
        return []

    stories = {} if stories is None else stories
    scores: dict[int, float] = defaultdict(float)
    vectors: dict[int, dict[str, float]] = defaultdict(dict)
    limits = posting_limits(mine, cap=candidates_per_keyword)
    if postings is None:
        postings = postings_of(session, limits)
    for kw, mw in mine.items():
        for cid, cw in postings.get(kw, ())[: limits[kw]]:
            if cid != article_id:
                scores[cid] += mw * cw
                vectors[cid][kw] = cw
    ranked = sorted(((s, c) for c, s in scores.items() if s >= threshold), key=lambda p: (-p[0], p[1]))
    ranked = ranked[: max(top_n, reverse_check) * 3]
    best = _best_stories(session, article_id, ranked, max(top_n, reverse_check), stories)
    mine_links = [(c, s, _shared(mine, vectors[c])) for s, c in best[:top_n]]
    if mine_links:
        session.execute(insert(_RA), [{"article_id": article_id, "related_id": c, "score": s, "shared_keywords": sh}
                                      for c, s, sh in mine_links])

    # older articles gain this one when it ranks in their top N
    check = best[:reverse_check]
    if check:
        their: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for chunk in _chunks(sorted(c for _, c in check)):
            for aid, rid, sc in session.execute(
                    select(_RA.c.article_id, _RA.c.related_id, _RA.c.score).where(_RA.c.article_id.in_(chunk))):
                their[aid].append((rid, sc))
        my_story = _story_members(session, stories.get(article_id, article_id))
        drops, adds, updates = [], [], []
        for s, c in check:
            links = their.get(c, [])
            same_story = [rid for rid, _ in links if rid in my_story]
            if article_id in same_story:
                updates.append({"a": c, "r": article_id, "score": s, "shared_keywords": _shared(vectors[c], mine)})
                continue
            if same_story:
                continue  # it already links to another copy of this story
            if len(links) >= top_n:
                weakest = min(links, key=lambda p: (p[1], -p[0]))
                if s <= weakest[1]:
                    continue
                drops.append({"a": c, "r": weakest[0]})
            adds.append({"article_id": c, "related_id": article_id, "score": s, "shared_keywords": _shared(vectors[c], mine)})
        if drops:
            session.execute(delete(_RA).where(_RA.c.article_id == bindparam("a"), _RA.c.related_id == bindparam("r")), drops)
        if updates:
            session.execute(update(_RA).where(_RA.c.article_id == bindparam("a"), _RA.c.related_id == bindparam("r"))
                            .values(score=bindparam("score"), shared_keywords=bindparam("shared_keywords")), updates)
        if adds:
            session.execute(insert(_RA), adds)
    return mine_links


def index_article(session: Session, article_id: int, title: str, body: str, *, top_k: int = T.TOP_K,
                  top_n: int = TOP_N, threshold: float = THRESHOLD) -> list[tuple[int, float, str]]:
    """Keywords, regions and links of one stored article, tokenising it once. The store
    pipeline calls this after the article row exists (and its duplicate_of is set)."""
    return index_articles(session, [(article_id, title, body)], top_k=top_k, top_n=top_n, threshold=threshold)[0]


def _analyse(title: str, body: str) -> tuple[list[str], list[str], list[RegionMention]]:
    """Keyword tokens of title and body, and the places the article names."""
    body = body or ""
    title_seg = T.segment(title or "")
    body_seg = T.segment(body[: T.MAX_BODY_CHARS])
    region_seg = T.segment(body[: T.MAX_REGION_CHARS]) if len(body) > T.MAX_BODY_CHARS else body_seg
    return T.keyword_tokens(title_seg), T.keyword_tokens(body_seg), gazetteer().find(title_seg + ["\n"] + region_seg)


def _count_documents(session: Session, texts: dict[int, tuple[str, str, set[str]]]) -> None:
    """Add each article's terms to ``keyword_df`` unless that text was already counted:
    one statement per table for the whole batch, words in sorted order (so two crawlers
    lock ``keyword_df`` rows in the same order and cannot deadlock)."""
    known = {aid: st for aid, st in session.execute(
        select(ArticleRelateState.article_id, ArticleRelateState).where(ArticleRelateState.article_id.in_(list(texts))))}
    counts: dict[str, int] = defaultdict(int)
    new = 0
    for aid, (title, body, terms) in texts.items():
        fp = _fingerprint(title, body)
        state = known.get(aid)
        if state is not None:
            # Same text: nothing to do. Changed text: the old version's terms cannot be taken
            # back (only its top keywords are stored); the counts drift a little until
            # `scrapy relate` recomputes them.
            state.fingerprint = fp
            continue
        session.add(ArticleRelateState(article_id=aid, fingerprint=fp))
        new += 1
        for w in terms:
            counts[w] += 1
    if not new:
        return
    ins = _insert(session, RelateStat).values(name=DOCUMENTS, value=new)
    session.execute(ins.on_conflict_do_update(index_elements=["name"], set_={"value": RelateStat.value + new}))
    words = sorted(counts)
    for chunk in _chunks(words, 500):
        ins = _insert(session, KeywordDF)
        session.execute(
            ins.on_conflict_do_update(index_elements=["keyword"], set_={"df": KeywordDF.df + ins.excluded.df}),
            [{"keyword": w, "df": counts[w]} for w in chunk],
        )


def index_articles(session: Session, articles: list[tuple[int, str, str]], *, top_k: int = T.TOP_K,
                   top_n: int = TOP_N, threshold: float = THRESHOLD) -> list[list[tuple[int, float, str]]]:
    """``index_article`` for a batch of ``(article_id, title, body)`` in the caller's
    transaction: corpus counts, keywords and regions written a statement per table for
    the batch, then each article linked (seeing the whole batch's keywords, so articles of
    one batch can link to each other). Returns each article's links, in input order."""
    analysed = {aid: _analyse(title, body) for aid, title, body in articles}
    keywords = {aid: dict(kws) for aid, kws in _index_keywords(
        session, {aid: (title, body, *analysed[aid][:2]) for aid, title, body in articles}, top_k).items()}
    _store_regions(session, {aid: found for aid, (_, _, found) in analysed.items()})
    session.flush()
    limits: dict[str, int] = {}
    for kws in keywords.values():
        for kw, n in posting_limits(kws).items():
            limits[kw] = max(n, limits.get(kw, 0))
    postings = postings_of(session, limits)
    stories: dict[int, int] = {}
    return [link_related(session, aid, top_n=top_n, threshold=threshold, keywords=keywords[aid],
                         postings=postings, stories=stories)
            for aid, _, _ in articles]


def rebuild_all(session_factory, *, progress=None, **kwargs):
    """Recompute document frequencies, keywords, regions and links over the whole database."""
    from aggregator.relate.rebuild import rebuild_all as _rebuild

    return _rebuild(session_factory, progress=progress, **kwargs)
