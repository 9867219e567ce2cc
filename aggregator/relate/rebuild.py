"""Recompute document frequencies, keywords, regions and related links over the whole DB.

The same method as the incremental path (the pure functions of :mod:`aggregator.relate.text`,
the same IDF blend, candidate cap, threshold and duplicate-cluster rule), done in bulk:
articles are tokenised in worker processes, the IDF is computed once over the final corpus,
and the similarities are a sparse matrix product in chunks. Each table is replaced in one
transaction; run it while no crawl is writing (a crawl that stores articles meanwhile just
leaves those articles' links to be refreshed by the next run).
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing as mp
import os
import time
from collections import Counter
from typing import Callable

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from aggregator.db.bulk import bulk_insert
from aggregator.db.models import (
    Article,
    ArticleKeyword,
    ArticleRegion,
    ArticleRelateState,
    KeywordDF,
    RelatedArticle,
    RelateStat,
)
from aggregator.relate import text as T
from aggregator.relate.regions import gazetteer

Progress = Callable[[str, int, int], None]


def _work(batch: list[tuple[int, str, str]]):
    """Worker: tokenise a batch of (id, title, body)."""
    out = []
    gaz = gazetteer()
    for aid, title, body in batch:
        title, body = title or "", body or ""
        tseg = T.segment(title)
        bseg = T.segment(body[: T.MAX_BODY_CHARS])
        if len(body) > T.MAX_BODY_CHARS:
            rseg = tseg + ["\n"] + T.segment(body[: T.MAX_REGION_CHARS])
        else:
            rseg = tseg + ["\n"] + bseg
        regions = [(r.province, r.city, r.district, r.adcode, r.mentions) for r in gaz.find(rseg)]
        fp = hashlib.sha256(f"{title}\x00{body}".encode("utf-8")).hexdigest()
        out.append((aid, fp, Counter(t[:100] for t in T.keyword_tokens(tseg)),
                    Counter(t[:100] for t in T.keyword_tokens(bseg)), regions))
    return out


def _clear(session: Session, table) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"TRUNCATE {table.name}"))
    else:
        session.execute(delete(table))


def _mark_postings(rows: list[tuple[int, str, float]], terms, weights, depth: int) -> list[tuple[int, str, float, bool]]:
    """``rows`` (article id, keyword, weight) with their ``posting`` flag: among the
    ``depth`` strongest rows of the keyword, the newest first among equal weights (the
    order of the incremental path, aggregator.relate.store.POSTING_DEPTH). ``terms`` and
    ``weights`` are the rows' keyword ids and weights as arrays, in the same order."""
    import numpy as np

    aids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    order = np.lexsort((-aids, -weights, terms))
    ranked = terms[order]
    rank = np.arange(len(rows)) - np.searchsorted(ranked, ranked, side="left")
    posting = np.empty(len(rows), dtype=bool)
    posting[order] = rank < depth
    return [(*row, flag) for row, flag in zip(rows, posting.tolist())]


def rebuild_all(session_factory, *, progress: Progress | None = None, batch_size: int = 500,
                workers: int | None = None, top_k: int = T.TOP_K, top_n: int | None = None,
                threshold: float | None = None, candidates_per_keyword: int | None = None,
                prior_documents: float = T.PRIOR_DOCUMENTS) -> dict:
    """Recompute keyword_df and the document count, article_keywords, article_regions and
    related_articles for every stored article.

    ``session_factory()`` must return a new ``Session`` (a ``sessionmaker``). ``progress``, when
    given, is called as ``progress(stage, done, total)`` with stage one of tokenise, keywords,
    regions, links. Returns counts and timings per stage.
    """
    import numpy as np
    from scipy import sparse

    from aggregator.relate import store as S

    top_n = S.TOP_N if top_n is None else top_n
    threshold = S.THRESHOLD if threshold is None else threshold
    cap = S.CANDIDATES_PER_KEYWORD if candidates_per_keyword is None else candidates_per_keyword
    S.check_cap(cap)
    report = progress or (lambda stage, done, total: None)
    timings: dict[str, float] = {}
    cpu0 = _cpu_seconds()

    # ---------------------------------------------------------------- 1. tokenise
    t0 = time.perf_counter()
    with session_factory() as session:
        total = session.scalar(select(func.count()).select_from(Article)) or 0
        clusters = {aid: (dup or aid) for aid, dup in session.execute(select(Article.id, Article.duplicate_of))}
    ids: list[int] = []
    fps: list[str] = []
    vocab: dict[str, int] = {}
    # per article: term ids and their (title-weighted) raw tf
    rows_terms: list[np.ndarray] = []
    rows_tf: list[np.ndarray] = []
    df = Counter()
    regions: list[tuple] = []

    def batches():
        with session_factory() as session:
            stmt = select(Article.id, Article.title, Article.body).order_by(Article.id).execution_options(yield_per=batch_size)
            batch = []
            for row in session.execute(stmt):
                batch.append((row[0], row[1], row[2]))
                if len(batch) >= batch_size:
                    yield batch
                    batch = []
            if batch:
                yield batch

    T.tokenizer()  # load once before forking, so the workers inherit it
    gazetteer()
    T.jieba_idf()
    nproc = workers if workers is not None else max(1, min(os.cpu_count() or 1, 8))
    pool = mp.get_context("fork").Pool(nproc) if nproc > 1 else None
    try:
        results = pool.imap(_work, batches(), chunksize=1) if pool else map(_work, batches())
        done = 0
        for out in results:
            for aid, fp, ttf, btf, regs in out:
                tf: dict[int, float] = {}
                for w, n in btf.items():
                    tf[vocab.setdefault(w, len(vocab))] = float(n)
                for w, n in ttf.items():
                    i = vocab.setdefault(w, len(vocab))
                    tf[i] = tf.get(i, 0.0) + T.TITLE_WEIGHT * n
                terms = np.fromiter(tf.keys(), dtype=np.int32, count=len(tf))
                df.update(tf.keys())
                ids.append(aid)
                fps.append(fp)
                rows_terms.append(terms)
                rows_tf.append(np.fromiter(tf.values(), dtype=np.float32, count=len(tf)))
                for r in regs:
                    regions.append((aid, *r))
            done += len(out)
            report("tokenise", done, total)
    finally:
        if pool:
            pool.close()
            pool.join()
    timings["tokenise"] = time.perf_counter() - t0

    # ---------------------------------------------------------------- 2. df and keywords
    t0 = time.perf_counter()
    n_docs = len(ids)
    words = [None] * len(vocab)
    for w, i in vocab.items():
        words[i] = w
    jidf, median = T.jieba_idf()
    df_arr = np.zeros(len(vocab), dtype=np.float64)
    for i, n in df.items():
        df_arr[i] = n
    prior = np.array([jidf.get(w, median) for w in words], dtype=np.float64)
    m = prior_documents
    idf = np.log((n_docs + m) / (df_arr + m * np.exp(-prior)))
    idf = np.where(df_arr > 0, idf, prior)

    kw_rows: list[tuple[int, str, float]] = []
    indptr = [0]
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    for k, aid in enumerate(ids):
        terms, tf = rows_terms[k], rows_tf[k]
        if len(terms) == 0:
            indptr.append(indptr[-1])
            continue
        score = (1.0 + np.log(tf)) * idf[terms]
        pos = score > 0
        terms, score = terms[pos], score[pos]
        if len(terms) > top_k:
            keep = np.argpartition(-score, top_k - 1)[:top_k]
            terms, score = terms[keep], score[keep]
        norm = math.sqrt(float(np.dot(score, score))) or 1.0
        score = score / norm
        indices.append(terms)
        data.append(score)
        indptr.append(indptr[-1] + len(terms))
        kw_rows.extend(zip([aid] * len(terms), [words[t] for t in terms], score.tolist()))
        if k % 5000 == 0:
            report("keywords", k, n_docs)
    rows_terms.clear()
    rows_tf.clear()
    kw_rows = _mark_postings(kw_rows, np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32),
                             np.concatenate(data) if data else np.zeros(0), S.POSTING_DEPTH)
    with session_factory() as session:
        for model in (KeywordDF, ArticleKeyword, ArticleRelateState):
            _clear(session, model.__table__)
        session.execute(delete(RelateStat).where(RelateStat.name == S.DOCUMENTS))
        session.add(RelateStat(name=S.DOCUMENTS, value=n_docs))
        session.flush()
        bulk_insert(session, KeywordDF.__table__, ["keyword", "df"], [(words[i], int(n)) for i, n in df.items()])
        bulk_insert(session, ArticleRelateState.__table__, ["article_id", "fingerprint"], list(zip(ids, fps)))
        # loading into a table without its keyword indexes and building them afterwards is
        # several times faster than maintaining them row by row
        conn = session.connection()
        secondary = list(ArticleKeyword.__table__.indexes)
        for index in secondary:
            index.drop(conn, checkfirst=True)
        kw_rows.sort()
        for start in range(0, len(kw_rows), 200_000):
            bulk_insert(session, ArticleKeyword.__table__, ["article_id", "keyword", "weight", "posting"],
                        kw_rows[start:start + 200_000])
            report("keywords", min(start + 200_000, len(kw_rows)), len(kw_rows))
        for index in secondary:
            index.create(conn)
        session.commit()
    n_keywords = len(kw_rows)
    del kw_rows
    timings["keywords"] = time.perf_counter() - t0

    # ---------------------------------------------------------------- 3. regions
    t0 = time.perf_counter()
    with session_factory() as session:
        _clear(session, ArticleRegion.__table__)
        bulk_insert(session, ArticleRegion.__table__,
                     ["article_id", "province", "city", "district", "adcode", "mentions"], regions)
        session.commit()
    report("regions", len(regions), len(regions))
    timings["regions"] = time.perf_counter() - t0

    # ---------------------------------------------------------------- 4. links
    t0 = time.perf_counter()
    n = len(ids)
    X = sparse.csr_matrix(
        (np.concatenate(data) if data else np.zeros(0), np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32),
         np.array(indptr)), shape=(n, len(vocab)), dtype=np.float64)
    # the candidate side: only the `cap` strongest postings of each keyword (plus one for
    # the article itself, as the incremental look-up reads cap + 1)
    coo = X.tocoo()
    order = np.lexsort((-coo.data, coo.col))
    cols = coo.col[order]
    starts = np.searchsorted(cols, cols, side="left")
    rank = np.arange(len(cols)) - starts
    keep = order[rank < cap + 1]
    Xc = sparse.csr_matrix((coo.data[keep], (coo.row[keep], coo.col[keep])), shape=X.shape)
    XcT = Xc.T.tocsr()
    id_arr = np.array(ids)
    cluster_arr = np.array([clusters.get(a, a) for a in ids])
    row_vec = {}

    def vector(k: int) -> dict[int, float]:
        v = row_vec.get(k)
        if v is None:
            lo, hi = X.indptr[k], X.indptr[k + 1]
            v = dict(zip(X.indices[lo:hi].tolist(), X.data[lo:hi].tolist()))
            row_vec[k] = v
        return v

    links: list[tuple[int, int, float, str]] = []
    chunk = 2000
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        S_ = (X[lo:hi] @ XcT).tocsr()
        for r in range(hi - lo):
            k = lo + r
            a, b = S_.indptr[r], S_.indptr[r + 1]
            cand, sc = S_.indices[a:b], S_.data[a:b]
            ok = (sc >= threshold) & (cand != k)
            cand, sc = cand[ok], sc[ok]
            if len(cand) == 0:
                continue
            ok = cluster_arr[cand] != cluster_arr[k]
            cand, sc = cand[ok], sc[ok]
            if len(cand) > top_n * 4:
                part = np.argpartition(-sc, top_n * 4 - 1)[: top_n * 4]
                cand, sc = cand[part], sc[part]
            best = sorted(zip((-sc).tolist(), id_arr[cand].tolist(), cand.tolist()))
            seen = set()
            mine = vector(k)
            for neg, rid, c in best:
                key = cluster_arr[c]
                if key in seen:
                    continue
                seen.add(key)
                other = vector(c)
                shared = sorted(((mine[t] * other[t], words[t]) for t in mine.keys() & other.keys()), key=lambda p: (-p[0], p[1]))
                links.append((int(id_arr[k]), rid, round(min(-neg, 1.0), 6), ",".join(w for _, w in shared)))
                if len(seen) >= top_n:
                    break
        row_vec.clear()
        report("links", hi, n)
    with session_factory() as session:
        _clear(session, RelatedArticle.__table__)
        for start in range(0, len(links), 200_000):
            bulk_insert(session, RelatedArticle.__table__, ["article_id", "related_id", "score", "shared_keywords"],
                         links[start:start + 200_000])
        session.commit()
    timings["links"] = time.perf_counter() - t0
    return {"articles": n_docs, "vocabulary": len(vocab), "keywords": n_keywords, "regions": len(regions),
            "links": len(links), "seconds": timings, "cpu_seconds": round(_cpu_seconds() - cpu0, 1)}


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the tokenising workers)."""
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
