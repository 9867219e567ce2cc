"""The near-duplicate index in the database, and the story clusters built on it.

Every stored article gets a ``dedup_signatures`` row (exact hash, MinHash signature) and
``BANDS`` ``dedup_bands`` rows (LSH band keys). A new article's candidates are the
articles sharing a band key (a primary-key lookup, never a scan) or its exact hash;
candidates are verified by estimated Jaccard similarity from the stored signatures.
Matches join the article to their story cluster: every member's ``articles.duplicate_of``
points at the cluster's canonical article (never chains), whose own is NULL.

Transactions and concurrency (the caller owns the session; read this):

``register_article`` COMMITS the session, twice, unless ``commit=False``:

1. it inserts the article's own signature and band rows and commits, *before* looking
   anything up. Of two crawlers ingesting copies of one story at the same time, the
   second to commit its rows is guaranteed to find the first's. The caller's pending
   work (the article row) is committed with it, which is needed anyway: the other
   crawler must be able to see the article row.
2. when it found matches, it takes the ``dedup_locks`` row lock (an UPDATE of one row:
   PostgreSQL row lock / SQLite write lock), re-reads the current clusters of everything
   matched, picks the canonical article deterministically, re-points the links, and
   commits (releasing the lock). Cluster updates are thus serialised across crawlers and
   always computed from fresh data, so concurrent crawlers converge and never leave chains.

PostgreSQL must run the session at READ COMMITTED (its default). With ``commit=False``
nothing is committed and no ordering is guaranteed: only for single-process use inside
a larger transaction (tests, re-processing).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Literal

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from aggregator.db.bulk import Driver, insert_new
from aggregator.db.models import Article, DedupBand, DedupLock, DedupSignature, Source
from aggregator.dedup.fingerprint import (
    DEFAULT_CONFIG,
    DedupConfig,
    Signature,
    band_keys,
    estimate_jaccard,
    is_copy,
    normalise,
    signature as make_signature,
)


LOCK_NAME = "clusters"


@dataclass(frozen=True)
class DedupResult:
    """What ``register_article`` found.

    canonical_id: the canonical article of this article's story when it matched at least
        one other article (may be ``article_id`` itself, when this copy is the earliest),
        None when no copy was found.
    kind: "exact" (same normalised body as a matched article), "near" (only near copies
        matched), or None (no match).
    similarity: best estimated Jaccard similarity to a matched article (1.0 for exact),
        0.0 when nothing matched.
    duplicate_of: the article's ``articles.duplicate_of`` after the call (None when it is
        the canonical one or has no copies).
    matched: ids of the articles it matched directly.
    candidates: how many indexed articles the lookup returned and verified.
    """

    canonical_id: int | None
    kind: Literal["exact", "near"] | None
    similarity: float
    duplicate_of: int | None = None
    matched: tuple[int, ...] = field(default=())
    candidates: int = field(default=0, compare=False)  # index rows examined (monitoring: stays small)

    @property
    def is_copy(self) -> bool:
        """True when the article is a copy of an already stored canonical article."""
        return self.duplicate_of is not None


def _insert(session: Session, model):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover
        raise NotImplementedError(f"dedup index: unsupported database {name}")
    return insert(model)


_SIG = DedupSignature.__table__  # Core tables: the hot path skips ORM bulk-persistence overhead
_BAND = DedupBand.__table__


def index_article(session: Session, article_id: int, sig: Signature | None, body_hash: str, length: int, config: DedupConfig = DEFAULT_CONFIG) -> bool:
    """Insert the article's signature row and band rows (idempotent: ON CONFLICT DO NOTHING).
    Re-indexes when the stored row was made with other parameters or from another body.
    Returns True when something was written. Never commits."""
    row = {
        "article_id": article_id,
        "body_hash": body_hash,
        "length": length,
        "n_shingles": sig.n_shingles if sig else 0,
        "signature": sig.to_bytes() if sig else None,
        "params": config.params,
    }
    inserted = session.execute(_insert(session, _SIG).values(row).on_conflict_do_nothing().returning(_SIG.c.article_id)).first()
    if inserted is None:  # already indexed
        existing = session.execute(select(_SIG.c.body_hash, _SIG.c.params).where(_SIG.c.article_id == article_id)).first()
        if existing is not None and existing.body_hash == body_hash and existing.params == config.params:
            return False
        remove_article(session, article_id)  # body or parameters changed: re-index
        session.execute(_insert(session, _SIG).values(row).on_conflict_do_nothing())
    if sig is not None:
        session.execute(
            _insert(session, _BAND).on_conflict_do_nothing(),
            [{"band_key": k, "article_id": article_id} for k in band_keys(sig.values, config.bands)],
        )
    return True


def remove_article(session: Session, article_id: int) -> None:
    """Drop an article from the index (its links in ``articles`` are left as they are)."""
    session.execute(delete(_BAND).where(_BAND.c.article_id == article_id))
    session.execute(delete(_SIG).where(_SIG.c.article_id == article_id))


def find_candidates(session: Session, article_id: int, sig: Signature, config: DedupConfig = DEFAULT_CONFIG) -> tuple[dict[int, float], set[int], int]:
    """Articles that are exact or near copies of ``sig``:
    ({article_id: similarity}, exact ids, number of candidates examined).

    One round trip: exact copies through the body_hash index, near-copy candidates
    through the band-key primary key (``band_key IN (...)``), both with their stored
    signatures, which verify the candidates. Cost depends on the number of candidates,
    not on the number of stored articles."""
    keys = band_keys(sig.values, config.bands)
    cols = (_SIG.c.article_id, _SIG.c.body_hash, _SIG.c.signature, _SIG.c.params, _SIG.c.n_shingles)
    by_band = select(*cols).where(
        _SIG.c.article_id.in_(select(_BAND.c.article_id).where(_BAND.c.band_key.in_(keys))),
        _SIG.c.article_id != article_id,
    )
    by_hash = select(*cols).where(_SIG.c.body_hash == sig.body_hash, _SIG.c.article_id != article_id, _SIG.c.signature.is_not(None))
    rows = session.execute(by_band.union(by_hash)).all()
    found, exact = verify_candidates(sig, rows, config)
    return found, exact, len(rows)


def verify_candidates(sig: Signature, stored, config: DedupConfig = DEFAULT_CONFIG) -> tuple[dict[int, float], set[int]]:
    """Which of the ``stored`` candidates ``(article_id, body_hash, signature, params,
    n_shingles)`` are copies of ``sig``: ({article_id: similarity}, exact ids)."""
    found: dict[int, float] = {}
    exact: set[int] = set()
    for a, bhash, blob, params, n_shingles in stored:
        if blob is None:
            continue
        if bhash == sig.body_hash:
            exact.add(a)
            found[a] = 1.0
        elif params == config.params:
            j = estimate_jaccard(sig.values, bytes(blob))
            if is_copy(j, sig.n_shingles, n_shingles, config):
                found[a] = j
    return found, exact


def index_batch(session: Session, prepared: list[tuple[int, Signature | None, str, int]],
                keys: dict[int, list[int]], config: DedupConfig = DEFAULT_CONFIG) -> None:
    """``index_article`` for a batch of ``(article_id, signature, body_hash, length)``
    (``keys``: each signed article's band keys): the stored signatures read in one
    statement, the new signature rows and all band rows written in one each. Never commits."""
    if not prepared:
        return
    db = Driver(session)
    cond, param = db.where_in("article_id", [a for a, _, _, _ in prepared])
    stored = {a: (h, p) for a, h, p in db.rows(f"SELECT article_id, body_hash, params FROM dedup_signatures WHERE {cond}", (param,))}
    rows, bands = [], []
    for article_id, sig, body_hash, length in prepared:
        if article_id in stored:
            if stored[article_id] == (body_hash, config.params):
                continue  # already indexed from this body with these parameters
            remove_article(session, article_id)  # body or parameters changed: re-index
        rows.append({"article_id": article_id, "body_hash": body_hash, "length": length,
                     "n_shingles": sig.n_shingles if sig else 0, "signature": sig.to_bytes() if sig else None,
                     "params": config.params})
        if sig is not None:
            bands += [(k, article_id) for k in keys[article_id]]
    if rows:
        session.execute(_insert(session, _SIG).on_conflict_do_nothing(), rows)
    # 32 rows an article: through the driver, not SQLAlchemy's parameter dicts
    insert_new(session, _BAND, ["band_key", "article_id"], ["bigint", "integer"], bands)


def find_batch_candidates(session: Session, signed: list[tuple[int, Signature]], keys: dict[int, list[int]],
                          config: DedupConfig = DEFAULT_CONFIG) -> dict[int, tuple[dict[int, float], set[int], int]]:
    """``find_candidates`` for a batch of ``(article_id, signature)`` (``keys``: their
    band keys), in three statements for the batch: the band rows of every key, the
    signatures sharing a body hash, the signatures of every candidate."""
    if not signed:
        return {}
    db = Driver(session)
    cond, param = db.where_in("band_key", sorted({k for a, _ in signed for k in keys[a]}))
    by_key: dict[int, list[int]] = {}
    for key, aid in db.rows(f"SELECT band_key, article_id FROM dedup_bands WHERE {cond}", (param,)):
        by_key.setdefault(key, []).append(aid)
    cond, param = db.where_in("body_hash", sorted({sig.body_hash for _, sig in signed}))
    by_hash: dict[str, list[int]] = {}
    for aid, bhash in db.rows(f"SELECT article_id, body_hash FROM dedup_signatures WHERE {cond} AND signature IS NOT NULL", (param,)):
        by_hash.setdefault(bhash, []).append(aid)
    wanted = {}
    for article_id, sig in signed:
        ids = {c for k in keys[article_id] for c in by_key.get(k, ())} | set(by_hash.get(sig.body_hash, ()))
        ids.discard(article_id)
        wanted[article_id] = ids
    every = sorted(set().union(*wanted.values()))
    stored = {}
    if every:
        cond, param = db.where_in("article_id", every)
        stored = {r[0]: r[1:] for r in db.rows(
            f"SELECT article_id, body_hash, signature, params, n_shingles FROM dedup_signatures WHERE {cond}", (param,))}
    out = {}
    for article_id, sig in signed:
        found, exact = verify_candidates(sig, ((a, *stored[a]) for a in wanted[article_id] if a in stored), config)
        out[article_id] = (found, exact, len(wanted[article_id]))
    return out


def _take_lock(session: Session) -> None:
    """Serialise cluster updates across processes: UPDATE one row of dedup_locks (a row
    lock on PostgreSQL, the database write lock on SQLite) and hold it until commit."""
    res = session.execute(update(DedupLock).where(DedupLock.name == LOCK_NAME).values(counter=DedupLock.counter + 1))
    if res.rowcount == 0:
        session.execute(_insert(session, DedupLock).on_conflict_do_nothing(), [{"name": LOCK_NAME, "counter": 0}])
        session.execute(update(DedupLock).where(DedupLock.name == LOCK_NAME).values(counter=DedupLock.counter + 1))


def _origin_rank(origin: str | None, source_name: str | None) -> int:
    """2 when the page is on the origin outlet's own source, 1 when it names an origin, 0 otherwise."""
    if not origin or not origin.strip():
        return 0
    o, s = normalise(origin), normalise(source_name or "")
    if o and s and (o in s or s in o):
        return 2
    return 1


def canonical_key(published_at: datetime | None, origin: str | None, source_name: str | None, length: int | None, article_id: int):
    """Sort key of a cluster member; the smallest is the canonical article: earliest
    published (unknown dates last), then the origin outlet's own copy, then a copy that
    names its origin, then the longest normalised body, then the lowest id (so every
    process picks the same one)."""
    return (
        published_at is None,
        published_at.timestamp() if published_at is not None else 0.0,
        -_origin_rank(origin, source_name),
        -(length or 0),
        article_id,
    )


def update_cluster(session: Session, article_ids: Iterable[int]) -> int:
    """Merge the clusters of ``article_ids`` into one, choose its canonical article and
    point every other member at it. Reads current state; the caller holds the lock.
    Returns the canonical id."""
    ids = set(article_ids)
    roots = {r if r is not None else i for i, r in session.execute(select(Article.id, Article.duplicate_of).where(Article.id.in_(ids))).all()}
    if not roots:
        raise LookupError(f"articles not found: {sorted(ids)}")
    members = session.execute(
        select(Article.id, Article.published_at, Article.origin, Source.name, DedupSignature.length, Article.duplicate_of)
        .join(Source, Source.id == Article.source_id, isouter=True)
        .join(DedupSignature, DedupSignature.article_id == Article.id, isouter=True)
        .where(Article.id.in_(roots) | Article.duplicate_of.in_(roots))
    ).all()
    canon = min(members, key=lambda m: canonical_key(m.published_at, m.origin, m.name, m.length, m.id)).id
    repoint = [m.id for m in members if m.id != canon and m.duplicate_of != canon]
    if repoint:
        session.execute(update(Article).where(Article.id.in_(repoint)).values(duplicate_of=canon).execution_options(synchronize_session=False))
    if any(m.id == canon and m.duplicate_of is not None for m in members):
        session.execute(update(Article).where(Article.id == canon).values(duplicate_of=None).execution_options(synchronize_session=False))
    return canon


def register_article(
    session: Session,
    article_id: int,
    body: str | None = None,
    *,
    published_at: datetime | None = None,
    origin: str | None = None,
    source_id: int | None = None,
    config: DedupConfig = DEFAULT_CONFIG,
    commit: bool = True,
) -> DedupResult:
    """Index a stored article and link it to its story (see the module doc for commits).

    ``body`` defaults to the stored ``articles.body``. ``published_at``, ``origin`` and
    ``source_id`` are accepted for the pipeline's convenience but the stored row is
    authoritative (the canonical choice compares stored rows of every member).
    Idempotent: registering the same article again changes nothing.
    """
    return register_articles(session, [(article_id, body)], config=config, commit=commit)[0]


def register_articles(
    session: Session,
    articles: list[tuple[int, str | None]],
    *,
    config: DedupConfig = DEFAULT_CONFIG,
    commit: bool = True,
) -> list[DedupResult]:
    """``register_article`` for a batch of ``(article_id, body)``, with the same commit
    protocol (index rows of the whole batch committed before any lookup; one locked
    cluster update for all matches), so a batch costs two or three commits, not three
    per article. Copies inside one batch find each other. Results in input order."""
    prepared = []
    for article_id, body in articles:
        if body is None:
            body = session.scalar(select(Article.body).where(Article.id == article_id))
            if body is None:
                raise LookupError(f"article {article_id} not found")
        text = normalise(body)
        sig = make_signature(body, config, normalised=text)
        bhash = sig.body_hash if sig is not None else hashlib.sha256(text.encode("utf-8")).hexdigest()
        prepared.append((article_id, sig, bhash, len(text)))

    # 1. own rows first, committed, so a concurrent crawler is sure to see them
    keys = {article_id: band_keys(sig.values, config.bands) for article_id, sig, _, _ in prepared if sig is not None}
    index_batch(session, prepared, keys, config)
    if commit:
        session.commit()

    # 2. look up candidates (after our rows are visible to others); a body too short to
    #    judge (no signature) is never a duplicate, never a canonical of others
    found = find_batch_candidates(session, [(a, sig) for a, sig, _, _ in prepared if sig is not None], keys, config)
    matched = {a: f for a, f in found.items() if f[0]}

    # 3. under the lock, from fresh data: merge clusters, choose canonical, re-point
    if matched:
        if commit:
            session.commit()  # end the read transaction so the lock is the first statement
        _take_lock(session)
        for article_id, (near, _, _) in matched.items():
            update_cluster(session, [article_id, *near])
        session.flush()
    # read back where every article ended up: a later member of the batch, or a
    # concurrent crawler, may have changed the canonical of an earlier one
    ids = [a for a, _, _, _ in prepared]
    now = dict(session.execute(select(Article.id, Article.duplicate_of).where(Article.id.in_(ids))).all())
    if commit:
        session.commit()
    results = []
    for article_id, sig, _, _ in prepared:
        dup = now.get(article_id)
        near, exact, n_cand = found.get(article_id, ({}, set(), 0))
        if near:
            results.append(DedupResult(
                canonical_id=dup if dup is not None else article_id,
                kind="exact" if exact else "near",
                similarity=max(near.values()),
                duplicate_of=dup,
                matched=tuple(sorted(near)),
                candidates=n_cand,
            ))
        elif dup is not None and sig is not None:  # a concurrent crawler (or a later batch member) linked us
            results.append(DedupResult(dup, "near", 0.0, dup, candidates=n_cand))
        else:
            results.append(DedupResult(None, None, 0.0, dup, candidates=n_cand))
    return results


def find_duplicate(session: Session, article_id: int, body: str | None = None, **kwargs) -> int | None:
    """``register_article`` returning only the new ``articles.duplicate_of`` of the
    article: the canonical article's id when it is a copy, else None."""
    return register_article(session, article_id, body, **kwargs).duplicate_of
