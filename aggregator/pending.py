"""The steps a stored article still owes, and finishing them.

An article's row and its search entry are written in one transaction; its dedup
signature and story link, then its keywords, regions and related links, each in a
transaction of its own afterwards. So that a crash between them (kill -9, a dead worker,
Ctrl-C, a database outage) never leaves a row half-done and forgotten, the row is
written with ``dedup_pending`` and ``relate_pending`` set and ``pending_run`` naming the
run that owes them, and each flag is cleared in the same transaction as the step it
stands for. A row is therefore either complete, or says which steps it lacks.

Who finishes a pending row: the run that wrote it, as its batches go on (also when a
batch is run again after its worker died); or, once that run has ended or died (its
crawl_runs row is no longer ``running``; see aggregator.runs), the next crawl of any
source at its start, or ``scrapy repair``. A finisher claims the rows first (one UPDATE
that moves ``pending_run`` to itself), so two crawlers never finish the same rows, and
every step is idempotent, so finishing a step that had in fact been done changes nothing.
"""

from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from aggregator.db.models import Article, CrawlRun
from aggregator.dedup import register_articles
from aggregator.relate import store as relate_store

logger = logging.getLogger(__name__)

PENDING = or_(Article.dedup_pending, Article.relate_pending)
BATCH = 50


def complete_dedup(session: Session, articles: list[tuple[int, str | None]]):
    """Register ``(article_id, body)`` in the near-duplicate index (which commits; see
    aggregator.dedup.index) and clear their ``dedup_pending``, committed. Results as
    ``register_articles``'s."""
    if not articles:
        return []
    results = register_articles(session, articles)
    session.execute(
        update(Article).where(Article.id.in_([a for a, _ in articles])).values(dedup_pending=False)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return results


def complete_relate(session: Session, articles: list[tuple[int, str, str]], **options) -> list[list]:
    """Keywords, regions and links of ``(article_id, title, body)``, and their
    ``relate_pending`` cleared, in the caller's transaction."""
    if not articles:
        return []
    ids = sorted(a for a, _, _ in articles)
    if session.get_bind().dialect.name == "postgresql":
        # Two crawlers may owe the same article (one re-stored what the other had stored):
        # its rows are locked first, in id order, so the second waits and then finds the
        # first's keywords instead of colliding with them. (SQLite has one writer at a time.)
        # FOR NO KEY UPDATE: it still waits for a store re-writing the row, but not the
        # foreign-key checks of another crawler's links to it (see relate.links).
        session.execute(select(Article.id).where(Article.id.in_(ids)).order_by(Article.id)
                        .with_for_update(key_share=True))
    links = relate_store.index_articles(session, articles, **options)
    session.execute(
        update(Article).where(Article.id.in_(ids)).values(relate_pending=False)
        .execution_options(synchronize_session=False)
    )
    return links


def claim(session: Session, run_id: int) -> int:
    """Make ``run_id`` the owner of every pending row whose owner is no longer running
    (ended, died, or none recorded); committed. Returns how many rows it now owns."""
    running = select(CrawlRun.id).where(CrawlRun.status == "running", CrawlRun.id != run_id)
    session.execute(
        update(Article)
        .where(PENDING, or_(Article.pending_run.is_(None), Article.pending_run.not_in(running)))
        .values(pending_run=run_id)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return session.scalar(select(func.count()).select_from(Article).where(PENDING, Article.pending_run == run_id)) or 0


def count_pending(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article).where(PENDING)) or 0


def finish_claimed(session_factory: Callable[[], Session], run_id: int, *, relate: bool = True,
                   relate_options: dict | None = None, batch: int = BATCH,
                   progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Finish the pending steps of the rows ``run_id`` owns, a batch at a time (each
    batch its own transactions, so an interruption keeps what was finished). Returns
    ``{"dedup": n, "relate": n}``, the steps finished; ``progress`` is told the rows done."""
    done = {"dedup": 0, "relate": 0}
    last = rows_done = 0
    while True:
        with session_factory() as session:
            rows = session.execute(
                select(Article.id, Article.title, Article.body, Article.dedup_pending, Article.relate_pending)
                .where(PENDING, Article.pending_run == run_id, Article.id > last)
                .order_by(Article.id).limit(batch)
            ).all()
            if not rows:
                return done
            last = rows[-1].id
            dedup = [(r.id, r.body) for r in rows if r.dedup_pending]
            complete_dedup(session, dedup)
            done["dedup"] += len(dedup)
            if relate:  # with the relate stage off, its flag stays for a run that has it on
                related = [(r.id, r.title or "", r.body or "") for r in rows if r.relate_pending]
                complete_relate(session, related, **(relate_options or {}))
                session.commit()
                done["relate"] += len(related)
        rows_done += len(rows)
        if progress is not None:
            progress(rows_done)


def repair(session_factory: Callable[[], Session], run_id: int, **kwargs) -> dict[str, int]:
    """Claim what dead or ended runs left pending and finish it (see the module doc)."""
    with session_factory() as session:
        claimed = claim(session, run_id)
    if not claimed:
        return {"claimed": 0, "dedup": 0, "relate": 0}
    logger.info("Finishing %d articles that earlier runs left half-done", claimed)
    done = finish_claimed(session_factory, run_id, **kwargs)
    return {"claimed": claimed, **done}
