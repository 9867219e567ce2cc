"""Writing articles: plain functions over a Session; the caller owns the transaction."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from aggregator.db.models import Article, Source

# Columns a re-fetch may change; url, source and created_at never change.
CONTENT_COLUMNS = (
    "fetched_url", "title", "body", "published_at", "date_source", "author", "origin", "editor",
    "category", "fetched_at", "body_hash", "removed_text", "raw_html", "encoding",
)


# What extraction and cleaning produce: a difference in any of these is a change.
COMPARED_COLUMNS = (
    "title", "body", "published_at", "date_source", "author", "origin", "editor", "category", "removed_text",
)


#: The steps a stored row still owes (aggregator.pending), written with the row.
PENDING_COLUMNS = ("dedup_pending", "relate_pending", "pending_run")


@dataclass
class StoreResult:
    article_id: int
    outcome: str  # "inserted", "updated", "unchanged" or "resumed" (see upsert_article)
    owes_dedup: bool = False  # the caller's run owes the row its dedup step
    owes_relate: bool = False  # ... and its relate step

def insert_for(session: Session, table):
    """The dialect's INSERT, which has ON CONFLICT support on SQLite and PostgreSQL."""
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def source_id(session: Session, name: str, spider: str) -> int:
    session.execute(
        insert_for(session, Source).values(name=name, spider=spider).on_conflict_do_nothing(index_elements=["name"])
    )
    return session.execute(select(Source.id).where(Source.name == name)).scalar_one()


def compress_page(raw: bytes | None) -> bytes | None:
    return zlib.compress(raw, 6) if raw else None


def decompress_page(stored: bytes | None) -> bytes | None:
    return zlib.decompress(stored) if stored else None


def parse_iso(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


_A = Article.__table__  # Core: a batch's rows without the ORM's bulk-persistence overhead


def _upsert_existing(session: Session, existing, values: dict) -> StoreResult:
    """The stored row of ``values["url"]`` is ``existing``: unchanged, resumed or updated."""
    owes = (bool(values.get("dedup_pending")), bool(values.get("relate_pending")))
    stored = existing._mapping
    if all(stored[k] == values.get(k) for k in COMPARED_COLUMNS):
        mine = values.get("pending_run") is not None and stored["pending_run"] == values.get("pending_run")
        owed = (mine and stored["dedup_pending"], mine and stored["relate_pending"])
        # "resumed": stored by an earlier try of this very batch, which died before its steps
        return StoreResult(existing.id, "resumed" if any(owed) else "unchanged", *owed)
    changes = {k: values[k] for k in (*CONTENT_COLUMNS, *PENDING_COLUMNS) if k in values}
    changes["updated_at"] = datetime.now(timezone.utc)
    session.execute(update(Article).where(Article.id == existing.id).values(**changes))
    return StoreResult(existing.id, "updated", *owes)


def upsert_article(session: Session, values: dict) -> StoreResult:
    """Insert the article, or update its row when the same URL comes back changed.

    "Changed" means any extracted field differs (COMPARED_COLUMNS), so a re-fetch with a
    new body and a `scrapy reprocess` that reads a better date both update the row.
    Idempotent: the same URL never gets a second row, also when two crawlers store it
    at once (ON CONFLICT DO NOTHING, then the winner's row is read back).

    ``values`` may carry the PENDING_COLUMNS: an inserted or updated row owes those
    steps. An unchanged row owes the caller only what it still owes the caller's own run
    (``pending_run``): the same batch run again after its worker died mid-way.
    """
    columns = [getattr(Article, name) for name in (*COMPARED_COLUMNS, *PENDING_COLUMNS)]
    existing = session.execute(select(Article.id, *columns).where(Article.url == values["url"])).one_or_none()
    owes = (bool(values.get("dedup_pending")), bool(values.get("relate_pending")))
    if existing is not None:
        return _upsert_existing(session, existing, values)
    inserted = session.execute(
        insert_for(session, Article)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["url"])
        .returning(Article.id)
    ).scalar_one_or_none()
    if inserted is None:  # another crawler stored the URL between our read and insert: it owes the steps
        return StoreResult(session.execute(select(Article.id).where(Article.url == values["url"])).scalar_one(), "unchanged")
    return StoreResult(inserted, "inserted", *owes)


def upsert_articles(session: Session, rows: list[dict]) -> list[StoreResult]:
    """``upsert_article`` for a batch, with the same outcomes: the stored rows of the
    batch's URLs read in one statement, the new ones inserted in one multi-row INSERT …
    ON CONFLICT DO NOTHING RETURNING (a URL another crawler stored in between comes back
    "unchanged", as one by one). A batch naming one URL twice is stored row by row, so
    the second sees the first."""
    urls = [v["url"] for v in rows]
    if len(set(urls)) != len(urls) or len({tuple(sorted(v)) for v in rows}) > 1:
        return [upsert_article(session, v) for v in rows]
    columns = [getattr(Article, name) for name in (*COMPARED_COLUMNS, *PENDING_COLUMNS)]
    existing = {}
    for start in range(0, len(urls), 400):
        for row in session.execute(select(Article.id, Article.url, *columns).where(Article.url.in_(urls[start:start + 400]))):
            existing[row.url] = row
    results: list[StoreResult | None] = [None] * len(rows)
    new = []
    for i, values in enumerate(rows):
        if values["url"] in existing:
            results[i] = _upsert_existing(session, existing[values["url"]], values)
        else:
            new.append(i)
    if new:
        got = dict(session.execute(
            insert_for(session, _A).on_conflict_do_nothing(index_elements=["url"]).returning(_A.c.url, _A.c.id),
            [rows[i] for i in new]).all())
        for i in new:
            values = rows[i]
            if values["url"] in got:
                results[i] = StoreResult(got[values["url"]], "inserted",
                                         bool(values.get("dedup_pending")), bool(values.get("relate_pending")))
            else:  # another crawler stored the URL between our read and insert: it owes the steps
                results[i] = StoreResult(session.execute(select(Article.id).where(Article.url == values["url"])).scalar_one(),
                                         "unchanged")
    return results
