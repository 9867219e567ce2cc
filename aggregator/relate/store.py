"""Database side of keywords, regions and related links.

Every function taking a ``Session`` works inside the caller's transaction: it flushes
but never commits. ``rebuild_all`` takes a session factory and commits in batches.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Callable, Iterable, Sequence

from sqlalchemy import Engine, bindparam, delete, select, update
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
from aggregator.db.bulk import Driver, bulk_insert
from aggregator.relate import text as T
from aggregator.relate.links import link_batch
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
#: A keyword row is a posting (``article_keywords.posting``, the rows the keyword index
#: holds) when it is among the ``POSTING_DEPTH`` strongest of its keyword as it is
#: written: the deepest any linking reads. Rows are only ever added between rebuilds, so a
#: row weaker than that when written is never among them later, and is never read by
#: keyword (an article's rows replaced by a changed text can leave a keyword with fewer
#: postings than it should have until ``scrapy relate`` marks them all afresh).
POSTING_DEPTH = CANDIDATES_PER_KEYWORD + 1

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


_AK = ArticleKeyword.__table__
_AR = ArticleRegion.__table__
_RS = ArticleRelateState.__table__


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


def idf_lookup(session: Session, words: Iterable[str], *, prior_documents: float = T.PRIOR_DOCUMENTS,
               known: dict[str, int] | None = None, documents: int | None = None) -> Callable[[str], float]:
    """An IDF function for ``words`` read from ``keyword_df`` (blended with jieba's IDF;
    a word the corpus has not seen gets jieba's IDF, or jieba's median for unknown words).
    ``known`` (word -> df) and ``documents`` are read already (what counting returned)."""
    df: dict[str, int] = dict(known or {})
    missing = sorted(set(words) - df.keys())
    n = corpus_documents(session) if documents is None else documents
    if missing:
        db = Driver(session)
        cond, param = db.where_in("keyword", missing)
        df.update(db.rows(f"SELECT keyword, df FROM keyword_df WHERE {cond}", (param,)))
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
    """Replace the stored keywords of each article in ``keywords`` (article id -> list),
    each marked a posting when it is among the ``POSTING_DEPTH`` strongest of its keyword."""
    for chunk in _chunks(list(keywords)):
        session.execute(delete(_AK).where(_AK.c.article_id.in_(chunk)))
    floors = posting_floors(Driver(session), sorted({k for kws in keywords.values() for k, _ in kws}))
    # A row equal to the floor ranks above it (the newer first among equal weights, as the
    # postings read orders them). Rows of this batch are judged against the stored ones
    # only: one pushed out by another of the batch is kept as a posting, which costs an
    # index row, never a wrong read.
    bulk_insert(session, _AK, ["article_id", "keyword", "weight", "posting"],
                [(aid, k, w, (f := floors.get(k)) is None or w >= f) for aid, kws in keywords.items() for k, w in kws])


def posting_floors(db: Driver, words: list[str], depth: int = POSTING_DEPTH) -> dict[str, float]:
    """The weight of the ``depth``-th strongest posting of each keyword of ``words`` that
    has that many (one index range scan each, one statement)."""
    if not words:
        return {}
    if db.pg:
        rows = db.rows(
            "SELECT k.kw, (SELECT weight FROM article_keywords WHERE keyword = k.kw AND posting "
            "ORDER BY weight DESC OFFSET %s LIMIT 1) FROM unnest(%s::text[]) AS k(kw)", (depth - 1, words))
    else:
        rows = db.rows(
            "SELECT k.value, (SELECT weight FROM article_keywords WHERE keyword = k.value AND posting "
            "ORDER BY weight DESC LIMIT 1 OFFSET ?) FROM json_each(?) AS k", (depth - 1, json.dumps(words, ensure_ascii=False)))
    return {w: f for w, f in rows if f is not None}


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
    counted, documents = _count_documents(session, texts)
    words = {w for tf in tfs.values() for w in tf}
    idf = idf_lookup(session, words, known=counted, documents=documents)
    idf_of = {w: idf(w) for w in words}  # once per word of the batch, not once per article using it
    keywords = {aid: T.score_keywords(tf, idf_of.__getitem__, top_k=top_k) for aid, tf in tfs.items()}
    _store_keywords(session, keywords)
    session.flush()
    return keywords


# --------------------------------------------------------------------------- regions


def _store_regions(session: Session, regions: dict[int, list[RegionMention]]) -> None:
    """Replace the stored places of each article in ``regions`` (article id -> list)."""
    for chunk in _chunks(list(regions)):
        session.execute(delete(_AR).where(_AR.c.article_id.in_(chunk)))
    bulk_insert(session, _AR, ["article_id", "province", "city", "district", "adcode", "mentions"],
                [(aid, r.province, r.city, r.district, r.adcode, r.mentions) for aid, found in regions.items() for r in found])


def index_regions(session: Session, article_id: int, title: str, body: str) -> list[RegionMention]:
    """Find the places the article names and store them in ``article_regions`` (replacing
    earlier rows). Returns them, most mentioned first."""
    regions = gazetteer().find(T.segment(title or "") + ["\n"] + T.segment((body or "")[: T.MAX_REGION_CHARS]))
    _store_regions(session, {article_id: regions})
    session.flush()
    return regions


# --------------------------------------------------------------------------- links




def _by_weight(keywords: dict[str, float]) -> list[tuple[str, float]]:
    return sorted(keywords.items(), key=lambda p: (-p[1], p[0]))


def check_cap(cap: int) -> None:
    """Linking cannot read deeper into a keyword than its postings go."""
    if not 0 < cap < POSTING_DEPTH:
        raise ValueError(f"candidates per keyword must be 1 to {POSTING_DEPTH - 1} (the postings kept of each "
                         f"keyword, aggregator.relate.store.POSTING_DEPTH), got {cap}")


def posting_limits(keywords: dict[str, float], *, cap: int | None = None, strong: int | None = None,
                   weak: int | None = None) -> dict[str, int]:
    """How many postings of each of an article's keywords its linking reads: ``cap`` for its
    ``strong`` heaviest, ``weak`` for the rest, plus one (the article's own posting).
    Defaults: the module's constants."""
    cap = CANDIDATES_PER_KEYWORD if cap is None else cap
    check_cap(cap)
    strong = STRONG_KEYWORDS if strong is None else strong
    weak = WEAK_CANDIDATES if weak is None else weak
    return {kw: (cap if rank < strong else weak) + 1 for rank, (kw, _) in enumerate(_by_weight(keywords))}


def link_related(session: Session, article_id: int, *, top_n: int = TOP_N, threshold: float = THRESHOLD,
                 candidates_per_keyword: int = CANDIDATES_PER_KEYWORD,
                 reverse_check: int = REVERSE_CHECK,
                 keywords: dict[str, float] | None = None) -> list[tuple[int, float, str]]:
    """Link the article to its ``top_n`` most similar stories and let older articles gain it.

    Candidates come from ``article_keywords`` by keyword (at most ``candidates_per_keyword``
    postings for each of its ``STRONG_KEYWORDS`` heaviest keywords, ``WEAK_CANDIDATES`` for
    the others, strongest first); the score is the cosine of the two keyword
    vectors over the postings read. Articles of the same duplicate cluster are never linked,
    and a story appears at most once in a list. Its best ``reverse_check`` candidates gain the
    article when it ranks in their own top ``top_n``. Running it again gives the same links.

    ``keywords`` are the article's stored keywords when the caller has them at hand.
    Returns ``(related_id, score, shared_keywords)`` best first. (A batch is linked at
    once by :func:`aggregator.relate.links.link_batch`, with the same result.)
    """
    mine = keywords if keywords is not None else dict(
        session.execute(select(_AK.c.keyword, _AK.c.weight).where(_AK.c.article_id == article_id)).all())
    return link_batch(session, {article_id: mine}, top_n=top_n, threshold=threshold, reverse_check=reverse_check,
                      limits_of=lambda kws: posting_limits(kws, cap=candidates_per_keyword))[article_id]


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


def _count_documents(session: Session, texts: dict[int, tuple[str, str, set[str]]]) -> tuple[dict[str, int], int | None]:
    """Add each article's terms to ``keyword_df`` unless that text was already counted:
    one statement per table for the whole batch, words in sorted order (so two crawlers
    lock ``keyword_df`` rows in the same order and cannot deadlock). Returns the new df of
    every word it counted and the new document count (None when it counted nothing)."""
    ids = list(texts)
    known = dict(session.execute(select(_RS.c.article_id, _RS.c.fingerprint).where(_RS.c.article_id.in_(ids))).all())
    counts: dict[str, int] = defaultdict(int)
    changed, new = [], []
    for aid, (title, body, terms) in texts.items():
        fp = _fingerprint(title, body)
        if aid in known:
            # Same text: nothing to do. Changed text: the old version's terms cannot be taken
            # back (only its top keywords are stored); the counts drift a little until
            # `scrapy relate` recomputes them.
            if known[aid] != fp:
                changed.append({"a": aid, "fingerprint": fp})
            continue
        new.append((aid, fp))
        for w in terms:
            counts[w] += 1
    if changed:
        session.execute(update(_RS).where(_RS.c.article_id == bindparam("a")).values(fingerprint=bindparam("fingerprint")), changed)
    if not new:
        return {}, None
    bulk_insert(session, _RS, ["article_id", "fingerprint"], new)
    ins = _insert(session, RelateStat).values(name=DOCUMENTS, value=len(new))
    documents = session.execute(ins.on_conflict_do_update(index_elements=["name"], set_={"value": RelateStat.value + len(new)})
                                .returning(RelateStat.value)).scalar_one()
    words = sorted(counts)
    db = Driver(session)
    if db.pg:
        df = db.rows("INSERT INTO keyword_df (keyword, df) SELECT * FROM unnest(%s::text[], %s::int[]) "
                     "ON CONFLICT (keyword) DO UPDATE SET df = keyword_df.df + excluded.df RETURNING keyword, df",
                     (words, [counts[w] for w in words]))
    else:
        df = db.rows("INSERT INTO keyword_df (keyword, df) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') "
                     "FROM json_each(?) WHERE true ON CONFLICT (keyword) DO UPDATE SET df = df + excluded.df RETURNING keyword, df",
                     (json.dumps([[w, counts[w]] for w in words], ensure_ascii=False),))
    return dict(df), documents


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
    links = link_batch(session, keywords, top_n=top_n, threshold=threshold, reverse_check=REVERSE_CHECK,
                       limits_of=posting_limits)
    return [links[aid] for aid, _, _ in articles]


def rebuild_all(session_factory, *, progress=None, **kwargs):
    """Recompute document frequencies, keywords, regions and links over the whole database."""
    from aggregator.relate.rebuild import rebuild_all as _rebuild

    return _rebuild(session_factory, progress=progress, **kwargs)
