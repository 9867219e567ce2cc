"""Related links of a batch of articles, scored as one sparse-matrix product.

The method is the incremental one of :mod:`aggregator.relate.store` (the candidates of an
article are the strongest postings of its keywords, ``cap + 1`` for its ``STRONG_KEYWORDS``
heaviest and ``WEAK_CANDIDATES + 1`` for the others; the score is the dot product of the
keyword weights over the postings read; a story appears once in a list and never the
article's own; its best ``reverse_check`` candidates gain it when it ranks in their top
``top_n``), done for the whole batch at once, as the full rebuild does it: the batch's
postings are read in a few statements, the scores of every article against every
candidate are one product of two sparse matrices, and the links are written a statement
per kind of change for the batch. Reading postings and links through the database driver
directly (not SQLAlchemy's result rows) is what keeps the cost per article small; the
statements stay in the caller's transaction.

The reverse check is sequential by nature (an article added to an older one's list can
push out another, and a later article of the batch sees that): it is replayed in memory,
article after article in batch order, on the links read once, and only the net changes
are written. The result is the one of linking the articles one by one in that order.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import chain
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse
from sqlalchemy import bindparam, delete, insert, text, update
from sqlalchemy.orm import Session

from aggregator.db.bulk import Driver as _Driver
from aggregator.db.models import RelatedArticle

_RA = RelatedArticle.__table__
#: The PostgreSQL advisory lock that serialises the update of older articles' lists
#: (aggregator.db.engine.lock_schema uses 7301052).
REVERSE_LINKS_LOCK = 7301053
#: Keywords per UNION ALL statement on SQLite (its limit on compound SELECTs is 500).
_SQLITE_PARTS = 400


class Driver(_Driver):
    """The driver, plus the postings query of linking."""

    def postings(self, words: list[str], limits: list[int]) -> np.ndarray:
        """The ``limits[i]`` strongest postings of each keyword ``words[i]`` (each a range
        scan of the keyword index, which holds the posting rows: see
        aggregator.relate.store.POSTING_DEPTH; no limit may exceed it), as rows ``(i, article_id, weight)`` of a float
        array: the keyword's position, not its text, so no string is decoded per row."""
        if not words:
            return np.zeros((0, 3))
        if self.pg:
            # one statement: a LATERAL top-n per keyword
            rows = self.rows(
                "SELECT k.i - 1, p.article_id, p.weight FROM unnest(%s::text[], %s::int[]) WITH ORDINALITY AS k(kw, lim, i) "
                "CROSS JOIN LATERAL (SELECT article_id, weight FROM article_keywords WHERE keyword = k.kw AND posting "
                "ORDER BY weight DESC LIMIT k.lim) AS p",
                (words, limits))
        else:
            rows = []
            for start in range(0, len(words), _SQLITE_PARTS):
                end = min(len(words), start + _SQLITE_PARTS)
                params: list = []
                for i in range(start, end):
                    params += (words[i], limits[i])
                rows += self.rows(" UNION ALL ".join(
                    f"SELECT * FROM (SELECT {i}, article_id, weight FROM article_keywords WHERE keyword = ? AND posting "
                    "ORDER BY weight DESC LIMIT ?)" for i in range(start, end)), params)
        # fromiter over the flattened tuples: a quarter of np.array's time on a list of tuples
        return np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=3 * len(rows)).reshape(-1, 3)


def _shared(mine: dict[str, float], theirs: dict[str, float]) -> str:
    common = [(k, mine[k] * theirs[k]) for k in mine.keys() & theirs.keys()]
    common.sort(key=lambda p: (-p[1], p[0]))
    return ",".join(k for k, _ in common)


def link_batch(session: Session, keywords: dict[int, dict[str, float]], *, top_n: int, threshold: float,
               reverse_check: int, limits_of) -> dict[int, list[tuple[int, float, str]]]:
    """Link every article of ``keywords`` (article id -> its stored keywords and weights,
    in batch order; their keyword rows are already written) and let older articles gain
    them; ``limits_of(keywords)`` gives the postings each keyword of an article reads.
    Returns each article's links ``(related_id, score, shared_keywords)``, best first."""
    session.flush()
    db = Driver(session)
    batch = list(keywords)
    want = max(top_n, reverse_check)

    # ---- the postings of the batch's keywords, read once --------------------------------
    limits = {aid: limits_of(kws) if kws else {} for aid, kws in keywords.items()}
    most: dict[str, int] = {}
    for lim in limits.values():
        for kw, n in lim.items():
            if n > most.get(kw, 0):
                most[kw] = n
    words = sorted(most)
    vocab = {kw: i for i, kw in enumerate(words)}
    rows = db.postings(words, [most[w] for w in words])
    n_rows = len(rows)
    p_kw, p_aid, p_w = rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64), rows[:, 2]
    # per keyword, strongest first (ties by id), and each posting's rank in that order
    order = np.lexsort((p_aid, -p_w, p_kw))
    p_kw, p_aid, p_w = p_kw[order], p_aid[order], p_w[order]
    first = np.searchsorted(p_kw, p_kw, side="left")
    p_rank = np.arange(n_rows) - first
    cand_ids, p_cand = np.unique(p_aid, return_inverse=True)
    n_cand, n_vocab = len(cand_ids), len(vocab)

    # ---- scores: for each posting limit L, (batch × keyword) @ (keyword × candidate) -----
    scores = sparse.csr_matrix((len(batch), n_cand), dtype=np.float64)
    for L in sorted({n for lim in limits.values() for n in lim.values()}):
        qi, qk, qw = [], [], []
        for i, aid in enumerate(batch):
            lim = limits[aid]
            for kw, w in keywords[aid].items():
                if lim[kw] == L:
                    qi.append(i)
                    qk.append(vocab[kw])
                    qw.append(w)
        keep = p_rank < L
        C = sparse.csr_matrix((p_w[keep], (p_kw[keep], p_cand[keep])), shape=(n_vocab, n_cand))
        Q = sparse.csr_matrix((qw, (qi, qk)), shape=(len(batch), n_vocab))
        scores = scores + Q @ C
    scores = scores.tocsr()
    scores.sort_indices()
    # each candidate's postings, for the shared keywords of its links
    order = np.lexsort((p_kw, p_cand))
    c_start = np.searchsorted(p_cand[order], np.arange(n_cand + 1), side="left").tolist()
    # as Python lists: vector() reads them element by element, where numpy indexing is slow
    order_l, kw_l, rank_l, w_l = order.tolist(), p_kw.tolist(), p_rank.tolist(), p_w.tolist()

    def vector(aid: int, j: int) -> dict[str, float]:
        """The candidate's weights over the postings ``aid`` read (what its score sums)."""
        lim, mine = limits[aid], keywords[aid]
        out = {}
        for o in order_l[c_start[j]:c_start[j + 1]]:
            kw = words[kw_l[o]]
            if kw in mine and rank_l[o] < lim[kw]:
                out[kw] = w_l[o]
        return out

    ranked: dict[int, list[tuple[float, int, int]]] = {}
    for i, aid in enumerate(batch):
        lo, hi = scores.indptr[i], scores.indptr[i + 1]
        sc, js = scores.data[lo:hi], scores.indices[lo:hi]
        ok = (sc >= threshold) & (cand_ids[js] != aid)
        sc, js = sc[ok], js[ok]
        ids = cand_ids[js]
        top = np.lexsort((ids, -sc))[: want * 3]
        ranked[aid] = list(zip(sc[top].tolist(), ids[top].tolist(), js[top].tolist()))

    # ---- distinct stories, best first, never the article's own -------------------------
    stories: dict[int, int] = {}

    def read_stories(ids: Iterable[int]) -> None:
        missing = sorted(set(ids) - stories.keys())
        if missing:
            cond, param = db.where_in("id", missing)
            for aid, dup in db.rows(f"SELECT id, duplicate_of FROM articles WHERE {cond}", (param,)):
                stories[aid] = dup or aid

    step = want + 10
    read_stories(batch + [c for aid in batch for _, c, _ in ranked[aid][:step]])
    best: dict[int, list[tuple[float, int, int]]] = {aid: [] for aid in batch}
    seen = {aid: {stories.get(aid, aid)} for aid in batch}
    todo = [aid for aid in batch if ranked[aid]]
    start = 0
    while todo:
        if start:
            read_stories(c for aid in todo for _, c, _ in ranked[aid][start:start + step])
        still = []
        for aid in todo:
            part = ranked[aid][start:start + step]
            for s, c, j in part:
                k = stories.get(c)
                if k is None or k in seen[aid]:
                    continue
                seen[aid].add(k)
                best[aid].append((round(min(s, 1.0), 6), c, j))
                if len(best[aid]) == want:
                    break
            if len(best[aid]) < want and start + step < len(ranked[aid]):
                still.append(aid)
        todo, start = still, start + step

    mine_links = {aid: [(c, s, _shared(keywords[aid], vector(aid, j))) for s, c, j in best[aid][:top_n]]
                  for aid in batch}

    # ---- older articles gain the new ones: replayed in batch order ---------------------
    if db.pg:
        # Two crawlers may add to the same older article's list at once: both would read
        # it full, drop the same weakest link and add theirs (top_n + 1 links). The read,
        # replay and write of older lists are one critical section across crawlers, held
        # to the end of the transaction; the scoring above stays parallel. (SQLite has one
        # writer at a time.) Row locks taken before it are FOR NO KEY UPDATE, which the
        # foreign-key checks of the inserts below do not wait for, so it cannot deadlock.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REVERSE_LINKS_LOCK})
    checks = {aid: best[aid][:reverse_check] for aid in batch}
    others = sorted({c for aid in batch for _, c, _ in checks[aid]})
    story_of = {aid: stories.get(aid, aid) for aid in batch}
    members: dict[int, set[int]] = {}
    wanted = sorted(set(story_of.values()))
    if wanted:
        cond, param = db.where_in("duplicate_of", wanted)
        for aid, dup in db.rows(f"SELECT id, duplicate_of FROM articles WHERE {cond}", (param,)):
            members.setdefault(dup, set()).add(aid)
    # Only a candidate the batch could change needs its links read: one with fewer than
    # top_n, one whose weakest link a batch article beats, or one linking to a batch
    # article's story. Any other skips every article of the batch, whatever their order
    # (adding to a full list only raises its weakest score).
    load = set()
    if others:
        best_for: dict[int, float] = defaultdict(float)
        for aid in batch:
            for s, c, _ in checks[aid]:
                best_for[c] = max(best_for[c], s)
        story_ids = sorted({m for st in wanted for m in (st, *members.get(st, ()))})
        cond, param = db.where_in("article_id", others)
        # one pass over the candidates' links: their count, weakest score, and whether one
        # points into a batch article's story (the IN list is materialised once)
        linked, lparam = db.where_in("related_id", story_ids)
        story_link = f"bool_or({linked})" if db.pg else f"MAX({linked})"
        full = {}
        for c, n, weakest, story in db.rows(
                f"SELECT article_id, COUNT(*), MIN(score), {story_link} FROM related_articles WHERE {cond} "
                "GROUP BY article_id", (lparam, param)):
            full[c] = (n, weakest, bool(story))
        for c in others:
            n, weakest, story = full.get(c, (0, 0.0, False))
            if n < top_n or best_for[c] > weakest or story or c in keywords:
                load.add(c)
    state: dict[int, dict[int, tuple[float, str | None]]] = defaultdict(dict)
    if load:
        cond, param = db.where_in("article_id", sorted(load))
        for aid, rid, score in db.rows(f"SELECT article_id, related_id, score FROM related_articles WHERE {cond}", (param,)):
            state[aid][rid] = (score, None)  # None: the stored shared keywords, unchanged
    initial = {c: set(state[c]) for c in load}
    changed: set[tuple[int, int]] = set()
    in_batch = set(batch)
    for aid in batch:
        state[aid] = {c: (s, sh) for c, s, sh in mine_links[aid]}
        my_story = {story_of[aid], *members.get(story_of[aid], ())}
        for s, c, j in checks[aid]:
            if c not in load and c not in in_batch:
                continue  # see above: it skips this article
            links = state[c]
            same = [rid for rid in links if rid in my_story]
            if aid in same:
                links[aid] = (s, _shared(vector(aid, j), keywords[aid]))
                changed.add((c, aid))
                continue
            if same:
                continue  # it already links to another copy of this story
            if len(links) >= top_n:
                weakest = min(links, key=lambda rid: (links[rid][0], -rid))
                if s <= links[weakest][0]:
                    continue
                del links[weakest]
            links[aid] = (s, _shared(vector(aid, j), keywords[aid]))
            changed.add((c, aid))

    # ---- write the net changes ---------------------------------------------------------
    drops, adds, updates = [], [], []
    for c in sorted(load):
        if c in in_batch:
            continue
        now = state[c]
        drops += [{"a": c, "r": r} for r in initial[c] - now.keys()]
        for r, (s, sh) in now.items():
            if (c, r) not in changed:
                continue
            if r in initial[c]:
                updates.append({"a": c, "r": r, "score": s, "shared_keywords": sh})
            else:
                adds.append({"article_id": c, "related_id": r, "score": s, "shared_keywords": sh})
    for start in range(0, len(batch), 400):
        session.execute(delete(_RA).where(_RA.c.article_id.in_(batch[start:start + 400])))
    adds += [{"article_id": aid, "related_id": r, "score": s, "shared_keywords": sh}
             for aid in batch for r, (s, sh) in state[aid].items()]
    if drops:
        session.execute(delete(_RA).where(_RA.c.article_id == bindparam("a"), _RA.c.related_id == bindparam("r")), drops)
    if updates:
        session.execute(update(_RA).where(_RA.c.article_id == bindparam("a"), _RA.c.related_id == bindparam("r"))
                        .values(score=bindparam("score"), shared_keywords=bindparam("shared_keywords")), updates)
    if adds:
        session.execute(insert(_RA), adds)
    return mine_links
