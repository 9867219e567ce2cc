"""Chinese full-text search over article titles and bodies.

Chinese has no spaces, so the database's own tokenisers cannot find words in it. Each
article's title and body are segmented with the project's jieba tokeniser (the one the
keywords use, which knows every place name of the gazetteer) in search mode
(``cut_for_search``: 新能源汽车 → 新能源, 能源, 汽车), and the words, joined by spaces,
are what the database indexes:

* SQLite: an FTS5 table ``article_search(title, body)`` whose rowid is the article id,
  ranked with bm25 (title words weigh three times body words). A regular FTS5 table
  (it keeps the segmented text) rather than a contentless one, because SQLite before
  3.43 cannot delete from a contentless table and a changed article must be re-indexed.
* PostgreSQL: a table ``article_search(article_id, document)`` with a ``tsvector`` built
  by the ``simple`` configuration over the segmented text (title weighted A, body B)
  and a GIN index, ranked with ``ts_rank``.

Text is normalised before it is segmented, on both sides: NFKC (full-width ＣＰＩ and
２０２４ become CPI and 2024, ligatures and compatibility forms their plain letters) and
case-folded, so ``ＣＰＩ``, ``cpi`` and ``CPI`` find the same articles. (An index built
before this normalisation existed is rebuilt by ``aggregator db reindex``.)

A query is segmented the same way. Each word is passed as a quoted string (SQLite) or
through ``plainto_tsquery`` (PostgreSQL), so quotes, ``*``, ``-``, ``NEAR``, ``:`` and
parentheses in what a user types are searched for as text, never read as query syntax.
All words must match.

The store stage calls :func:`index_article` for every inserted or changed row; a
database made before the index existed is filled by ``aggregator db upgrade``
(:func:`index_missing`), and ``aggregator db reindex`` rebuilds it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

logger = logging.getLogger(__name__)

TABLE = "article_search"
#: Bodies longer than this are indexed up to here (a bounded cost per article).
MAX_BODY_CHARS = 20000
#: bm25 column weights: (title, body).
SQLITE_WEIGHTS = (3.0, 1.0)

_WORD = re.compile(r"\w", re.UNICODE)


class SearchUnavailable(Exception):
    """The database has no search index (or SQLite was built without FTS5)."""


class EmptyQuery(ValueError):
    """The query has no word to search for (only punctuation or query syntax)."""


# ---- segmentation -------------------------------------------------------------------


def _tokenizer():
    from aggregator.relate.text import tokenizer

    return tokenizer()


def normalize(text_: str) -> str:
    """What is indexed and searched for: NFKC, then case-folded."""
    return unicodedata.normalize("NFKC", text_).casefold()


#: token -> its indexed form ("" when it is not indexed): news vocabulary repeats, so
#: most tokens of a page were seen before. Bounded: emptied when full.
_TERM_FORM: dict[str, str] = {}
_TERM_FORM_MAX = 100_000


def index_terms(text_: str | None) -> list[str]:
    """The words of ``text_`` as indexed: normalised (NFKC, case-folded), jieba
    search-mode segmentation, punctuation and spaces dropped."""
    if not text_:
        return []
    form = _TERM_FORM
    if len(form) > _TERM_FORM_MAX:
        form.clear()
    out = []
    for tok in _tokenizer().cut_for_search(normalize(text_)):
        term = form.get(tok)
        if term is None:
            s = tok.strip()
            term = form[tok] = s if s and _WORD.search(s) else ""  # already case-folded
        if term:
            out.append(term)
    return out


def segmented(text_: str | None) -> str:
    return " ".join(index_terms(text_))


def query_terms(query: str) -> list[str]:
    """The words a query must match: the query segmented in precise mode, and each word
    that search mode splits into smaller dictionary words replaced by those words
    (新能源汽车 → 新能源, 能源, 汽车), so a story is found however the surrounding text made
    jieba cut it. Duplicates removed, order kept."""
    tok = _tokenizer()
    out: list[str] = []
    for word in tok.cut(normalize(query)):
        word = word.strip()
        if not word or not _WORD.search(word):
            continue
        parts = [p.strip() for p in tok.cut_for_search(word)]
        parts = [p for p in parts if p and _WORD.search(p) and p != word]
        covered = set()
        for p in parts:
            start = word.find(p)
            while start >= 0:
                covered.update(range(start, start + len(p)))
                start = word.find(p, start + 1)
        chosen = parts if parts and len(covered) == len(word) else [word]
        for p in chosen:
            p = p.lower()
            if p not in out:
                out.append(p)
    return out


# ---- DDL ----------------------------------------------------------------------------


def fts5_available(conn: Connection) -> bool:
    try:
        rows = conn.exec_driver_sql("PRAGMA compile_options").scalars().all()
    except Exception:  # noqa: BLE001
        return False
    return any(str(r).upper() == "ENABLE_FTS5" for r in rows) or _probe_fts5(conn)


def _probe_fts5(conn: Connection) -> bool:
    try:
        conn.exec_driver_sql("CREATE VIRTUAL TABLE temp._fts5_probe USING fts5(x)")
        conn.exec_driver_sql("DROP TABLE temp._fts5_probe")
        return True
    except Exception:  # noqa: BLE001
        return False


def index_exists(conn: Connection) -> bool:
    if conn.dialect.name == "sqlite":
        return conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE name = ? AND type = 'table'", (TABLE,)
        ).first() is not None
    if conn.dialect.name == "postgresql":
        return conn.execute(text("SELECT to_regclass(:t) IS NOT NULL"), {"t": TABLE}).scalar()
    return False


def create_index(conn: Connection) -> bool:
    """Create the search index if it is missing; idempotent and cheap when it exists.
    Returns False when this database cannot have one (SQLite without FTS5, another
    database)."""
    if index_exists(conn):
        return True
    if conn.dialect.name == "sqlite":
        if not fts5_available(conn):
            logger.warning("This SQLite has no FTS5: full-text search is unavailable")
            return False
        conn.exec_driver_sql(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5(title, body, tokenize = 'unicode61')"
        )
        return True
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {TABLE} ("
            " article_id integer PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,"
            " document tsvector NOT NULL)"
        )
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS ix_{TABLE}_document ON {TABLE} USING gin (document)")
        conn.exec_driver_sql(
            f"COMMENT ON TABLE {TABLE} IS 'Full-text index of articles: jieba-segmented title (weight A) and body (weight B), simple configuration. Kept in sync by the crawler.'"
        )
        return True
    return False


def drop_index(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")


# ---- writing ------------------------------------------------------------------------

_present: dict[str, bool] = {}


def _has_index(conn: Connection) -> bool:
    key = str(conn.engine.url)
    if not _present.get(key):
        _present[key] = index_exists(conn)
    return _present[key]


def _write(conn: Connection, article_id: int, title: str | None, body: str | None) -> None:
    title_text = segmented(title)
    body_text = segmented((body or "")[:MAX_BODY_CHARS])
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"DELETE FROM {TABLE} WHERE rowid = ?", (article_id,))
        conn.exec_driver_sql(
            f"INSERT INTO {TABLE}(rowid, title, body) VALUES (?, ?, ?)", (article_id, title_text, body_text)
        )
    else:
        conn.execute(
            text(
                f"INSERT INTO {TABLE}(article_id, document) VALUES (:id, "
                " setweight(to_tsvector('simple', :title), 'A') || setweight(to_tsvector('simple', :body), 'B'))"
                " ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document"
            ),
            {"id": article_id, "title": title_text, "body": body_text},
        )


def index_article(session: Session, article_id: int, title: str | None, body: str | None) -> None:
    """Index (or re-index) one article in the session's transaction. Does nothing when
    the database has no search index (SQLite without FTS5)."""
    conn = session.connection()
    if conn.dialect.name not in ("sqlite", "postgresql") or not _has_index(conn):
        return
    _write(conn, article_id, title, body)


def index_articles(session: Session, articles: list[tuple[int, str | None, str | None]]) -> None:
    """``index_article`` for a batch of ``(article_id, title, body)``: one statement per
    kind for the batch, through the driver."""
    conn = session.connection()
    if not articles or conn.dialect.name not in ("sqlite", "postgresql") or not _has_index(conn):
        return
    rows = [(aid, segmented(title), segmented((body or "")[:MAX_BODY_CHARS])) for aid, title, body in articles]
    cur = conn.connection.driver_connection.cursor()
    try:
        if conn.dialect.name == "sqlite":
            cur.executemany(f"DELETE FROM {TABLE} WHERE rowid = ?", [(aid,) for aid, _, _ in rows])
            cur.executemany(f"INSERT INTO {TABLE}(rowid, title, body) VALUES (?, ?, ?)", rows)
        else:
            cur.executemany(
                f"INSERT INTO {TABLE}(article_id, document) VALUES (%s,"
                " setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B'))"
                " ON CONFLICT (article_id) DO UPDATE SET document = EXCLUDED.document", rows)
    finally:
        cur.close()


def index_missing(conn: Connection, *, rebuild: bool = False, batch: int = 200) -> int:
    """Index every article that is not in the index yet (all of them with ``rebuild``).
    Returns how many were indexed."""
    if not create_index(conn):
        raise SearchUnavailable("this database cannot have a full-text index (SQLite without FTS5?)")
    if rebuild:
        conn.exec_driver_sql(f"DELETE FROM {TABLE}")
    key = "rowid" if conn.dialect.name == "sqlite" else "article_id"
    ids = conn.exec_driver_sql(
        f"SELECT id FROM articles WHERE id NOT IN (SELECT {key} FROM {TABLE}) ORDER BY id"
    ).scalars().all()
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        rows = conn.execute(
            text("SELECT id, title, body FROM articles WHERE id IN :ids").bindparams(_expanding("ids")),
            {"ids": chunk},
        ).all()
        for row in rows:
            _write(conn, row.id, row.title, row.body)
    return len(ids)


def _expanding(name: str):
    from sqlalchemy import bindparam

    return bindparam(name, expanding=True)


# ---- searching ----------------------------------------------------------------------


@dataclass
class Match:
    article_id: int
    rank: float  # higher is better


def fts5_query(terms: Iterable[str]) -> str:
    """An FTS5 MATCH expression that ANDs ``terms``, each a quoted string."""
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)


def match_clause(conn: Connection, query: str) -> tuple[str, str, str, dict]:
    """SQL pieces that rank articles by ``query``: (FROM fragment, which joins the index
    to ``articles a``; WHERE condition; rank expression, higher is better; parameters)."""
    terms = query_terms(query)
    if not terms:
        raise EmptyQuery("the query has no word to search for")
    if not index_exists(conn):
        raise SearchUnavailable("this database has no search index yet: run `aggregator db upgrade`")
    if conn.dialect.name == "sqlite":
        w_title, w_body = SQLITE_WEIGHTS
        return (
            f"{TABLE} JOIN articles a ON a.id = {TABLE}.rowid",
            f"{TABLE} MATCH :fts",
            f"-bm25({TABLE}, {w_title}, {w_body})",
            {"fts": fts5_query(terms)},
        )
    return (
        f"{TABLE} JOIN articles a ON a.id = {TABLE}.article_id",
        f"{TABLE}.document @@ plainto_tsquery('simple', :fts)",
        f"ts_rank({TABLE}.document, plainto_tsquery('simple', :fts))",
        {"fts": " ".join(terms)},
    )


def count(conn: Connection, query: str) -> int:
    """How many articles match every word of ``query``."""
    from_, where, _rank, params = match_clause(conn, query)
    return int(conn.execute(text(f"SELECT COUNT(*) FROM {from_} WHERE {where}"), params).scalar() or 0)


def search(conn: Connection, query: str, limit: int = 20) -> list[Match]:
    """Article ids matching every word of ``query``, best first."""
    from_, where, rank, params = match_clause(conn, query)
    rows = conn.execute(
        text(f"SELECT a.id, {rank} AS rank FROM {from_} WHERE {where} ORDER BY rank DESC, a.id LIMIT :limit"),
        {**params, "limit": limit},
    ).all()
    return [Match(r.id, float(r.rank)) for r in rows]


def snippet(body: str | None, terms: list[str], width: int = 60) -> str:
    """A piece of ``body`` around the first query word found, on one line."""
    flat = " ".join((body or "").split())
    low = normalize(flat)
    if len(low) != len(flat):  # a form NFKC expands (㈱ → (株)): show the normalised text
        flat = low
    hits = [low.find(t) for t in terms if t and low.find(t) >= 0]
    if not hits:
        return flat[:width] + ("…" if len(flat) > width else "")
    pos = min(hits)
    start = max(0, pos - width // 3)
    end = min(len(flat), start + width)
    return ("…" if start else "") + flat[start:end] + ("…" if end < len(flat) else "")
